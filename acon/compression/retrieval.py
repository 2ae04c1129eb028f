"""`retrieval`: keep the past turns most similar to the current step (the paper's
retrieval baseline).

The query is the latest turn's text. Every earlier turn since the start of the episode
(`state.all_turns`, so a turn dropped by an earlier compaction can come back when it
becomes relevant again) is a candidate; the `k` most similar by embedding cosine
similarity are kept, together with the last `keep_last` turns (at least the last one),
all verbatim and in their original order. No summary is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from acon.compression.base import (
    Compacted,
    HistoryState,
    HistoryStrategy,
    SizedHistory,
    StrategyConfig,
    Turn,
)
from acon.compression.embeddings import Embedder, EmbeddingConfig, make_embedder
from acon.config.schemas import check_positive, schema
from acon.services import Services


@schema("compression/history", "retrieval")
@dataclass
class RetrievalConfig(StrategyConfig):
    _target_: str | None = "acon.compression.retrieval.Retrieval"
    k: int = 4  # past turns kept by similarity (the paper's 4), besides the last keep_last
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)

    def __post_init__(self) -> None:
        check_positive("k", self.k, zero=True)

    def simulate(self, history: SizedHistory) -> None:
        """`k` earlier turns and the last `keep_last` (at least one) stay, no summary; the
        retrieved turns are sized as the most recent ones. Embeddings are not priced."""
        keep = self.k + max(1, history.keep_last)
        history.summary, history.turns = 0, history.turns[-keep:]


class Retrieval(HistoryStrategy):
    name, label, rank = "retrieval", "Retrieval", 40
    config: RetrievalConfig

    def __init__(
        self,
        config: RetrievalConfig,
        services: Services | None = None,
        embedder: Embedder | None = None,
    ):
        super().__init__(config, services)
        self.k = config.k
        # Built here so a missing extra or key fails when the run starts, not mid-episode;
        # the local model itself still loads on the first embed.
        self.embedder = embedder or make_embedder(config.embedding)
        self._cache: dict[str, np.ndarray] = {}  # turn text -> normalized vector

    def _vectors(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Rows for `texts`, embedding only those not seen before; also the count embedded."""
        new = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if new:
            for text, vector in zip(new, self.embedder.embed(new), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]), len(new)

    def compact(self, state: HistoryState) -> Compacted:
        tail = state.turns[-max(1, state.keep_last) :]
        # Candidates come from the whole episode so far, minus the raw tail.
        first_kept = tail[0].index if tail else None
        pool = state.all_turns or state.turns
        candidates = [t for t in pool if first_kept is not None and t.index < first_kept]
        selected: list[Turn] = []
        sims: list[float] = []
        embedded = 0
        if candidates and self.k > 0:
            texts = [t.text() for t in candidates] + [tail[-1].text()]
            vectors, embedded = self._vectors(texts)
            scores = vectors[:-1] @ vectors[-1]
            # Highest similarity first; on a tie the more recent turn wins.
            order = sorted(range(len(candidates)), key=lambda i: (-float(scores[i]), -i))
            chosen = sorted(order[: self.k])
            selected = [candidates[i] for i in chosen]
            sims = [round(float(scores[i]), 4) for i in chosen]
        kept = selected + list(tail)
        in_context = {t.index for t in state.turns}
        kept_ids = {t.index for t in kept}
        return Compacted(
            summary=None,
            turns=kept,
            detail={
                "selected": [t.index for t in selected],
                "similarities": sims,
                "kept_last": [t.index for t in tail],
                "candidates": len(candidates),
                "embedded": embedded,  # texts embedded by this call (the rest were cached)
                "dropped": len(in_context - kept_ids),
                "restored": sorted(kept_ids - in_context),  # brought back from all_turns
            },
        )
