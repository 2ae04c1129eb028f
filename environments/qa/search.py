"""BM25 search over a Wikipedia passage corpus (bm25s), with the index built once and cached.

The index of a corpus is cached under `<cache_dir>/qa-bm25-<key>`, where the key hashes
each corpus file's resolved path, size and mtime and the index parameters: a changed file
or parameter builds a new index, an unchanged one loads in well under a second. A
prebuilt bm25s index (saved with its corpus, e.g. of the full 2018 Wikipedia dump) is
loaded from `index_dir` instead, memory-mapped so large indexes fit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from acon.errors import AconError
from environments.qa.config import SearchConfig
from environments.qa.data import Passage, load_corpus

log = logging.getLogger(__name__)
FORMAT_VERSION = 1  # bump when the cached index layout changes


def _bm25s() -> Any:
    try:
        import bm25s
    except ImportError:
        raise AconError(
            "The QA search tool needs bm25s: install the qa extra (pip install -e '.[qa]', "
            "or `make setup`)."
        ) from None
    return bm25s


def _stemmer(language: str | None) -> Any:
    if not language:
        return None
    try:
        import Stemmer
    except ImportError:
        raise AconError(
            "env.search.stemmer needs PyStemmer: install the qa extra (pip install -e '.[qa]') "
            "or set env.search.stemmer=null."
        ) from None
    try:
        return Stemmer.Stemmer(language)
    except KeyError:
        raise AconError(
            f"PyStemmer has no stemmer {language!r}: set env.search.stemmer to one of "
            f"{', '.join(Stemmer.algorithms())} or null."
        ) from None


def cache_key(cfg: SearchConfig) -> str:
    """A hash of the corpus files (path, size, mtime) and every parameter of the index."""
    files = []
    for name in cfg.corpus:
        path = Path(name).resolve()
        if not path.is_file():
            raise AconError(f"Corpus file {path} does not exist: fix env.search.corpus.")
        stat = path.stat()
        files.append([str(path), stat.st_size, stat.st_mtime_ns])
    params = {
        "format": FORMAT_VERSION,
        "bm25s": getattr(_bm25s(), "__version__", "?"),
        "files": files,
        "stemmer": cfg.stemmer,
        "stopwords": cfg.stopwords,
        "k1": cfg.k1,
        "b": cfg.b,
        "method": cfg.method,
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


class BM25Search:
    """`search(query)`: the top-k passages of the corpus for a free-text query."""

    def __init__(self, cfg: SearchConfig):
        if cfg.top_k < 1:
            raise AconError("env.search.top_k must be at least 1.")
        self.cfg = cfg
        self._bm25s = _bm25s()
        self._stem = _stemmer(cfg.stemmer)
        self.index_path: Path | None = None
        if cfg.index_dir:
            self.retriever = self._load(Path(cfg.index_dir), mmap=True)
            self.index_path = Path(cfg.index_dir)
        elif cfg.corpus:
            self.retriever = self._cached_or_built()
        else:
            raise AconError("Give env.search.corpus (passage files) or env.search.index_dir.")
        self.size = len(self.retriever.corpus)

    def _cached_or_built(self) -> Any:
        if not self.cfg.cache_dir:
            return self._build(self._passages())
        path = Path(self.cfg.cache_dir) / f"qa-bm25-{cache_key(self.cfg)}"
        self.index_path = path
        if path.is_dir():
            try:
                return self._load(path, mmap=False)
            except AconError:
                log.warning("The cached BM25 index %s is unreadable; rebuilding it.", path)
                shutil.rmtree(path, ignore_errors=True)
        retriever = self._build(passages := self._passages())
        path.parent.mkdir(parents=True, exist_ok=True)
        # Save into a temporary folder and rename it, so a crash never leaves half an index.
        tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=path.parent))
        try:
            retriever.save(str(tmp), corpus=[_as_doc(p) for p in passages], show_progress=False)
            os.replace(tmp, path)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not path.is_dir():  # another process may have saved the same index first
                raise
        log.info("Built the BM25 index of %d passages: %s", len(passages), path)
        return retriever

    def _passages(self) -> list[Passage]:
        return load_corpus([Path(p) for p in self.cfg.corpus])

    def _tokenize(self, texts: list[str]) -> Any:
        return self._bm25s.tokenize(
            texts,
            stopwords=self.cfg.stopwords,
            stemmer=self._stem,
            show_progress=False,
        )

    def _build(self, passages: list[Passage]) -> Any:
        retriever = self._bm25s.BM25(
            k1=self.cfg.k1,
            b=self.cfg.b,
            method=self.cfg.method,
            corpus=[_as_doc(p) for p in passages],
        )
        retriever.index(
            self._tokenize([f"{p.title}\n{p.text}" for p in passages]), show_progress=False
        )
        return retriever

    def _load(self, path: Path, mmap: bool) -> Any:
        if not (path / "params.index.json").is_file() or not (path / "corpus.jsonl").is_file():
            raise AconError(
                f"{path} is not a bm25s index saved with its corpus (params.index.json and "
                "corpus.jsonl): fix env.search.index_dir or build it with bm25s's save(corpus=...)."
            )
        try:
            return self._bm25s.BM25.load(
                str(path), load_corpus=True, mmap=mmap, show_progress=False
            )
        except (OSError, ValueError, KeyError) as exc:
            raise AconError(f"Cannot load the BM25 index {path} ({exc}): rebuild it.") from None

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        k = min(k or self.cfg.top_k, self.size)
        tokens = self._tokenize([query])
        # bm25s's own vocabulary decides which query words it knows.
        words = [w for w in _words(tokens) if w in self.retriever.vocab_dict and w != ""]
        if not words:
            return []
        docs, scores = self.retriever.retrieve([words], k=k, show_progress=False, n_threads=1)
        return [
            _as_passage(doc) for doc, score in zip(docs[0], scores[0], strict=True) if score > 0
        ]

    def render(self, query: str) -> str:
        """The observation for a search: Search-R1's format, `Doc i(Title: ...) text`."""
        passages = self.search(query)
        if not passages:
            return (
                f"No passage matches {query!r}: none of its words is in the corpus. "
                "Try other words."
            )
        limit = self.cfg.max_passage_chars
        return "\n".join(
            f"Doc {i}(Title: {p.title}) {p.text[:limit] if limit else p.text}"
            for i, p in enumerate(passages, 1)
        )


def _words(tokenized: Any) -> list[str]:
    """The query's tokens as strings (bm25s.tokenize returns ids and its own vocab)."""
    ids, vocab = tokenized.ids, tokenized.vocab
    inverse = {i: w for w, i in vocab.items()}
    return [inverse[i] for i in ids[0]]


def _as_doc(p: Passage) -> dict[str, str]:
    return {"id": p.id, "title": p.title, "text": p.text}


def _as_passage(doc: Any) -> Passage:
    """A corpus entry of an index (ours, or a prebuilt one in the wiki-18 format)."""
    if isinstance(doc, str):
        doc = {"text": doc}
    if "contents" in doc and "text" not in doc:
        title, _, text = str(doc["contents"]).partition("\n")
        return Passage(str(doc.get("id", "")), title.strip('"'), text)
    return Passage(
        str(doc.get("id", "")), str(doc.get("title", "")).strip('"'), str(doc.get("text", ""))
    )
