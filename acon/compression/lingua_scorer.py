"""The engine behind the `llmlingua` strategies (acon/compression/llmlingua.py): token
scorers and keep-ratio selection (LLMLingua-1 style, and LLMLingua-2 where its weights can
be had).

A scorer turns a text into its tokens, each with an information score: its
self-information -log p(token | preceding tokens) under a small causal LM. Compression
keeps the highest-scoring tokens up to `keep_ratio` of the tokens, in their original
order. By default (`unit: word`) the tokens of one word (and the whitespace before it)
are kept or dropped together, scored by their most surprising token, so the output reads
as words with gaps rather than word fragments; `unit: token` selects single tokens.
`keep_digits` (default on) ranks words holding digits first, as LLMLingua-2's
`force_reserve_digit`: numbers are single-digit tokens whose self-information is low.

How the offline scorer (`scorer: local_perplexity`) gets log-probabilities of *prompt*
tokens from llama.cpp's server (build 0.6.0-dev), having found:
- `/v1/completions` accepts `echo` but returns log-probs for generated tokens only;
  `/completion`'s `n_probs` likewise; there is no prompt-logprob option.
- Forcing the text as a generation with a GBNF grammar gives exact log-probs, but ran at
  about 2 tokens/s here (the grammar filters the 152k vocabulary each step) and picks
  non-canonical fragments ("A", "l", "ice"). One `n_predict: 1` request per position
  runs at generation speed (one decode per token) and only sees the top-n probabilities.
- A server started with `--embeddings --pooling none` returns, per prompt token, the
  final normalised hidden state: exactly what the LM head multiplies. So the scorer
  starts its own server that way for the local model, reads the output matrix
  (`output.weight`, or the tied `token_embd.weight`) from the same GGUF with the `gguf`
  package, and computes log-softmax logits with numpy. That runs at prompt-processing
  speed plus one matmul. Checked against the server's own `n_probs` log-prob of a next
  token: -1.082 vs -1.104 (the server quantizes activations for its matmul).
The text is tokenised once with `/tokenize` (`with_pieces`) and scored in chunks of
`chunk_tokens`, each chunk preceded by `overlap_tokens` of context, because the
embeddings endpoint needs the whole input in one physical batch. The first token has no
context; it gets the highest score so the text's start survives.

With `scorer: llmlingua2` (the `llmlingua` extra, and the model as a local folder or a hub
id this machine can fetch), `llmlingua.PromptCompressor(model_name, use_llmlingua2=True)`
compresses instead: `compress_prompt([text], rate=keep_ratio, force_tokens=["\n"],
force_reserve_digit=keep_digits)`, llmlingua 0.2.2's documented arguments (its `rate` is the
share of tokens kept: the token filter drops `1 - rate`).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from acon.compression.base import CompressionError
from acon.errors import AconError
from acon.llm.config import ServerConfig
from acon.llm.models import served_files
from acon.llm.session import LLMSession

SCORERS = ("local_perplexity", "llmlingua2")
UNITS = ("word", "token")
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-0.5b"
DEFAULT_LLMLINGUA2 = "microsoft/llmlingua-2-xlm-roberta-large-meetingbank"
# pyproject's `llmlingua` extra; torch first, as for the retrieval extra: left to resolve on
# its own, pip pulls the CUDA build of torch (about 6 GB).
LLMLINGUA_INSTALL = (
    "pip install torch==2.13.0 (the CPU build) and then pip install -e '.[llmlingua]'"
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_TRUE = {"1", "on", "yes", "true"}


@dataclass(frozen=True)
class ScoredToken:
    text: str
    score: float  # self-information in nats: higher means more informative


class TokenScorer(Protocol):
    def score(self, text: str) -> list[ScoredToken]:
        """The text's tokens (joined, they give back `text`) with their scores. Raises
        CompressionError when the model cannot be asked."""
        ...


# ---------------------------------------------------------------- selection


def check_ratio(ratio: Any) -> float:
    try:
        value = float(ratio)
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 < value <= 1.0:
        raise AconError(
            f"keep_ratio={ratio!r} is not valid: set compression.*.keep_ratio to a number "
            f"in (0, 1], e.g. 0.3."
        )
    return value


_CONNECTORS = set("-_.,:/'@")


def units_of(tokens: Sequence[ScoredToken], unit: str) -> list[list[int]]:
    """Token indices grouped into the pieces that are kept or dropped together."""
    if unit == "token":
        return [[i] for i in range(len(tokens))]
    groups: list[list[int]] = []
    linked = False  # the previous token was a connector inside a word ("3,842", "a-b")
    for i, tok in enumerate(tokens):
        text = tok.text
        prev = tokens[i - 1].text if i else ""
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        # A word goes on while tokens continue letters/digits, through single connectors
        # between them; whitespace-only tokens join the word after them, so dropping a
        # word never glues its neighbours together.
        in_word = text[:1].isalnum() and (prev[-1:].isalnum() or linked)
        connector = (
            text[:1] in _CONNECTORS
            and prev[-1:].isalnum()
            and (text[1:2].isalnum() or (len(text) == 1 and nxt[:1].isalnum()))
        )
        after_space = prev.isspace() and not text.isspace()
        if groups and (in_word or connector or after_space):
            groups[-1].append(i)
        else:
            groups.append([i])
        linked = connector and len(text) == 1
    return groups


def select(
    tokens: Sequence[ScoredToken],
    keep_ratio: float,
    unit: str = "word",
    keep_digits: bool = False,
) -> list[int]:
    """Indices of the tokens to keep, in order: the highest-scoring units while they fit
    into round(keep_ratio * n) tokens (at least one unit). A unit scores as its most
    surprising token: the later tokens of a rare name are predictable from its first, and
    averaging would rank the name below common words. With `keep_digits`, units holding a
    digit come first (as LLMLingua-2's force_reserve_digit): the model splits numbers into
    single digits of at most ~2.3 nats each, so self-information alone drops them."""
    keep_ratio = check_ratio(keep_ratio)
    n = len(tokens)
    if n == 0:
        return []
    if keep_ratio >= 1.0:
        return list(range(n))
    budget = max(1, round(keep_ratio * n))
    groups = units_of(tokens, unit)

    def rank(g: int) -> tuple[bool, float, int]:
        digit = keep_digits and any(c.isdigit() for i in groups[g] for c in tokens[i].text)
        return (not digit, -max(tokens[i].score for i in groups[g]), g)

    order = sorted(range(len(groups)), key=rank)
    kept: list[int] = []
    used = 0
    for g in order:
        size = len(groups[g])
        # Skip a unit that would overshoot; smaller, lower-scoring ones may still fit.
        if used + size <= budget or not kept:
            kept.append(g)
            used += size
        if used >= budget:
            break
    return sorted(i for g in kept for i in groups[g])


def compress_tokens(
    tokens: Sequence[ScoredToken], keep_ratio: float, unit: str = "word", keep_digits: bool = False
) -> str:
    return "".join(tokens[i].text for i in select(tokens, keep_ratio, unit, keep_digits))


# ---------------------------------------------------------------- compressors


class TextCompressor(Protocol):
    def compress(self, text: str) -> tuple[str, dict[str, Any]]:
        """The compressed text and a small record (token counts) for the run log."""
        ...


class ScoringCompressor:
    """LLMLingua-1 style: score every token, keep the most informative."""

    def __init__(
        self, scorer: TokenScorer, keep_ratio: float, unit: str = "word", keep_digits: bool = True
    ):
        self.scorer = scorer
        self.keep_digits = bool(keep_digits)
        self.keep_ratio = check_ratio(keep_ratio)
        if unit not in UNITS:
            raise AconError(f"unit={unit!r} is not valid: set it to word or token.")
        self.unit = unit

    def compress(self, text: str) -> tuple[str, dict[str, Any]]:
        if not text.strip():
            return text, {"tokens": 0, "kept_tokens": 0}
        tokens = self.scorer.score(text)
        kept = select(tokens, self.keep_ratio, self.unit, self.keep_digits)
        out = "".join(tokens[i].text for i in kept)
        if not out.strip():
            raise CompressionError("llmlingua kept only whitespace")
        return out, {"tokens": len(tokens), "kept_tokens": len(kept)}


def llmlingua_installed() -> bool:
    """Whether `import llmlingua` can work, without paying for its torch import."""
    if "llmlingua" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("llmlingua") is not None
    except (ImportError, ValueError):
        return False


def llmlingua2_problem(setting: str, model_name: str) -> str | None:
    """Why `scorer=llmlingua2` cannot run here, as the fix to name, or None when it may:
    the package is missing, `model_name` is a path that does not exist, or a hub id that is
    not in the local Hugging Face cache while the hub is switched off. (A hub id that is
    neither cached nor reachable is only found out when the strategy loads it.)"""
    if not llmlingua_installed():
        return (
            f"it needs the llmlingua extra: {LLMLINGUA_INSTALL} "
            f"(or set {setting}.scorer=local_perplexity)"
        )
    path = Path(model_name).expanduser()
    if path.exists():
        return None
    if not _HUB_ID.match(model_name):
        return (
            f"{setting}.model_name={model_name!r} is no folder here: set it to a local copy of "
            "the model (its config, tokenizer and weights) or to a Hugging Face hub id"
        )
    offline = any(
        os.environ.get(v, "").lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )
    if offline and not _hub_cached(model_name):
        return (
            f"{model_name!r} is not in the Hugging Face cache and the hub is switched off "
            f"(HF_HUB_OFFLINE): set {setting}.model_name to a local copy of the model"
        )
    return None


def _hub_cached(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


class LLMLingua2Compressor:
    """LLMLingua-2 through the `llmlingua` package (an extra, not a base dependency).

    The model loads when the strategy is built, so a model that cannot be had stops the
    run before its first task, with the fix. `setting` is the strategy's config key."""

    def __init__(
        self,
        model_name: str,
        keep_ratio: float,
        device: str = "cpu",
        keep_digits: bool = True,
        setting: str = "compression.<kind>",
    ):
        self.keep_ratio = check_ratio(keep_ratio)
        self.keep_digits = bool(keep_digits)
        try:
            from llmlingua import PromptCompressor  # type: ignore[import-not-found]
        except ImportError as exc:
            raise AconError(
                f"{setting}.scorer=llmlingua2 needs the llmlingua extra: {LLMLINGUA_INSTALL} "
                f"(or set {setting}.scorer=local_perplexity)."
            ) from exc
        try:
            self._pc = PromptCompressor(
                model_name=model_name, device_map=device, use_llmlingua2=True
            )
        except Exception as exc:  # weights, or tiktoken's files, that cannot be fetched
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise AconError(
                f"llmlingua could not load {model_name!r} ({reason}): set "
                f"{setting}.model_name to a local copy of the model (its config, tokenizer "
                f"and weights), or run where huggingface.co and tiktoken's files can be "
                f"reached, or set {setting}.scorer=local_perplexity."
            ) from exc

    def compress(self, text: str) -> tuple[str, dict[str, Any]]:
        if not text.strip():
            return text, {"tokens": 0, "kept_tokens": 0}
        try:
            # newlines kept: the turns' structure survives; digits as the local scorer keeps them
            result = self._pc.compress_prompt(
                [text],
                rate=self.keep_ratio,
                force_tokens=["\n"],
                force_reserve_digit=self.keep_digits,
            )
        except Exception as exc:
            raise CompressionError(f"llmlingua2 failed: {exc}") from exc
        return str(result["compressed_prompt"]), {
            "tokens": result.get("origin_tokens"),
            "kept_tokens": result.get("compressed_tokens"),
        }


# ---------------------------------------------------------------- local scorer

_MATRICES: dict[str, Any] = {}
_MATRIX_LOCK = threading.Lock()


def output_matrix(model_path: str | Path) -> Any:
    """The LM head (vocab x hidden, float32) of a GGUF model, read once per process."""
    key = str(model_path)
    with _MATRIX_LOCK:
        if key not in _MATRICES:
            try:
                import gguf
                import numpy as np
            except ImportError as exc:
                raise AconError(
                    "scorer=local_perplexity needs the gguf and numpy packages: "
                    'run `pip install -e ".[local]"` (or `make setup`).'
                ) from exc
            reader = gguf.GGUFReader(key)
            tensors = {t.name: t for t in reader.tensors}
            # Models with tied embeddings ship no output.weight: the LM head is token_embd.
            tensor = tensors.get("output.weight") or tensors.get("token_embd.weight")
            if tensor is None:
                raise AconError(f"{key} has no output matrix: use another local model.")
            matrix = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
            _MATRICES[key] = np.ascontiguousarray(matrix, dtype=np.float32)
        return _MATRICES[key]


def token_logprobs(hidden: Any, matrix: Any, next_ids: Sequence[int], block: int = 256) -> Any:
    """log p(next_ids[i] | hidden[i]) for each row: log-softmax of hidden @ matrix.T,
    in row blocks so the logits never exceed block x vocab floats."""
    import numpy as np

    out = np.empty(len(next_ids), dtype=np.float64)
    ids = np.asarray(next_ids)
    for start in range(0, len(next_ids), block):
        logits = hidden[start : start + block] @ matrix.T
        top = logits.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
        rows = np.arange(logits.shape[0])
        out[start : start + block] = logits[rows, ids[start : start + block]] - lse
    return out


def join_pieces(pieces: Sequence[Any]) -> list[tuple[str, list[int]]]:
    """`/tokenize` pieces (a string, or a list of bytes for a partial UTF-8 character)
    merged into text pieces, each with the token positions it covers."""
    merged: list[tuple[str, list[int]]] = []
    pending = b""
    positions: list[int] = []
    for i, piece in enumerate(pieces):
        pending += bytes(piece) if isinstance(piece, list) else str(piece).encode("utf-8")
        positions.append(i)
        try:
            text = pending.decode("utf-8")
        except UnicodeDecodeError:
            continue  # the character goes on in the next token
        merged.append((text, positions))
        pending, positions = b"", []
    if pending:
        merged.append((pending.decode("utf-8", errors="replace"), positions))
    return merged


class LocalPerplexityScorer:
    """Self-information from a local GGUF model, through a llama.cpp server started with
    `--embeddings --pooling none` (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        model_path: str | Path,
        chunk_tokens: int = 1024,
        overlap_tokens: int = 128,
        timeout_s: float = 600.0,
    ):
        import httpx

        self.root = base_url.rstrip("/").removesuffix("/v1")
        self.model_path = model_path
        self.chunk = int(chunk_tokens)
        self.overlap = int(overlap_tokens)
        if self.chunk < 16 or not 0 <= self.overlap < self.chunk:
            raise AconError(
                "chunk_tokens must be at least 16 and overlap_tokens in [0, chunk_tokens): "
                "fix compression.*.chunk_tokens / overlap_tokens."
            )
        self._http = httpx.Client(timeout=timeout_s)

    def _post(self, route: str, body: dict[str, Any]) -> Any:
        import httpx

        try:
            response = self._http.post(self.root + route, json=body)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise CompressionError(f"llama-server {route} failed: {exc}") from exc

    def score(self, text: str) -> list[ScoredToken]:
        import numpy as np

        if not text:
            return []
        tokens = self._post("/tokenize", {"content": text, "with_pieces": True})["tokens"]
        ids = [int(t["id"]) for t in tokens]
        pieces = join_pieces([t["piece"] for t in tokens])
        if "".join(p for p, _ in pieces) != text:
            raise CompressionError("the tokenizer's pieces do not give back the text")
        matrix = output_matrix(self.model_path)
        info = np.zeros(len(ids))
        for start in range(1, len(ids), self.chunk - self.overlap):
            # Hidden state at position j predicts token j + 1; context starts `overlap` back.
            lo = max(0, start - 1 - self.overlap)
            hi = min(len(ids), start + self.chunk - self.overlap)
            reply = self._post("/embedding", {"content": ids[lo:hi]})
            rows = reply[0]["embedding"] if isinstance(reply, list) else reply["embedding"]
            hidden = np.asarray(rows, dtype=np.float32)
            if hidden.ndim != 2 or hidden.shape[0] != hi - lo:
                raise CompressionError(
                    f"llama-server returned embeddings of shape {hidden.shape} for "
                    f"{hi - lo} tokens: is it running with --embeddings --pooling none?"
                )
            first = start - 1 - lo
            lp = token_logprobs(hidden[first : hi - lo - 1], matrix, ids[start:hi])
            info[start:hi] = -lp
        if len(ids) > 1:
            info[0] = info[1:].max()
        return [ScoredToken(piece, float(sum(info[i] for i in pos))) for piece, pos in pieces]


def scorer_server_config(base: ServerConfig, chunk_tokens: int) -> ServerConfig:
    """The harness's server settings, for an embeddings-only scorer server: one slot,
    a context and physical batch that hold one chunk."""
    size = str(int(chunk_tokens))
    return dataclasses.replace(
        base,
        parallel=1,
        port=0,
        ctx_size=max(int(chunk_tokens), 512),
        extra_args=[
            *base.extra_args,
            "--embeddings",
            "--pooling",
            "none",
            "--batch-size",
            size,
            "--ubatch-size",
            size,
        ],
    )


def start_local_scorer(
    llms: LLMSession | None, model: str | None, chunk: int, overlap: int
) -> LocalPerplexityScorer:
    """Start (once per session and model) the scorer's server and return the scorer. The
    server is registered with the LLM session, which stops it when the run ends. `model`
    null: the compressor role's local model."""
    if llms is None:
        raise AconError(
            "scorer=local_perplexity needs the run's LLM session: build the strategy with "
            "Services(llms=...)."
        )
    name = model or llms.role_config("compressor").local_model or DEFAULT_LOCAL_MODEL
    model_path, _ = served_files(llms.settings.local_models, name, llms.settings.models_dir)
    server = llms.local_server(
        name, config=scorer_server_config(llms.settings.llm.server, chunk), purpose="lingua"
    )
    return LocalPerplexityScorer(
        server.base_url,
        model_path,
        chunk_tokens=chunk,
        overlap_tokens=overlap,
    )
