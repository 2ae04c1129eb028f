"""Context compression: strategies behind one interface, chosen by config group
(`compression/history=fifo`, `compression/observation=guideline`)."""

from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    StrategyConfig,
    Turn,
    summary_message,
)

__all__ = [
    "Compacted",
    "CompressedObservation",
    "CompressionError",
    "HistoryState",
    "HistoryStrategy",
    "ObservationStrategy",
    "StrategyConfig",
    "Turn",
    "summary_message",
]
