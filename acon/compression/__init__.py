"""Context compression: strategies behind one interface, chosen by config name."""

from acon.compression.base import (
    Compacted,
    CompressedObservation,
    CompressionError,
    HistoryState,
    HistoryStrategy,
    ObservationStrategy,
    Services,
    Turn,
    build,
    register,
)

__all__ = [
    "Compacted",
    "CompressedObservation",
    "CompressionError",
    "HistoryState",
    "HistoryStrategy",
    "ObservationStrategy",
    "Services",
    "Turn",
    "build",
    "register",
]
