"""Cross-lingual retrieval: every question variant of every entry, in every language, as one embedding matrix.

A question in Ukrainian finds an entry through its Ukrainian variants and through the German and English ones;
the best variant decides an entry's score.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import Entry
from engine.embedding import Embedder

log = logging.getLogger(__name__)

# e5 cosine similarities crowd into 0.7–1.0; these were set on bench/answers (make bench-answers).
CONFIDENT_SCORE = 0.86
MIN_MARGIN = 0.005


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResult:
    matches: list[Match]
    confident: bool

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


class KnowledgeIndex:
    def __init__(self, kb: KnowledgeBase, embedder: Embedder, cache_dir: Path | None = None) -> None:
        self.kb = kb
        self._embedder = embedder
        texts: list[str] = []
        owners: list[str] = []
        for entry in kb.entries.values():
            for variants in entry.questions.values():
                for question in variants:
                    texts.append(question)
                    owners.append(entry.id)
        self._owners = np.array(owners)
        self._vectors = self._embed_cached(texts, cache_dir)

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def _embed_cached(self, texts: list[str], cache_dir: Path | None) -> np.ndarray:
        key = hashlib.sha256(("\x00".join([type(self._embedder).__name__, *texts])).encode()).hexdigest()[:20]
        path = cache_dir / f"knowledge-{key}.npy" if cache_dir else None
        if path and path.exists():
            cached: np.ndarray = np.load(path)
            return cached
        log.info("embedding %d question variants (cached afterwards)", len(texts))
        vectors = self._embedder.query(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors

    def search(self, question: str, *, audience: str | None = None, limit: int = 3) -> SearchResult:
        if not len(self._owners):
            return SearchResult([], False)
        scores = self._vectors @ self._embedder.query([question])[0]
        best: dict[str, float] = {}
        for owner, score in zip(self._owners, scores, strict=True):
            if score > best.get(owner, -1.0):
                best[owner] = float(score)
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        matches = [
            Match(self.kb.entries[eid], score)
            for eid, score in ranked
            if audience is None or audience in self.kb.entries[eid].audience
        ][:limit]
        if not matches:
            return SearchResult([], False)
        margin = matches[0].score - (matches[1].score if len(matches) > 1 else 0.0)
        return SearchResult(matches, matches[0].score >= CONFIDENT_SCORE and margin >= MIN_MARGIN)
