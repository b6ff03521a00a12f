"""Groups similar unanswered questions across languages: the knowledge editors' to-do list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.insights.figures import MIN_GROUP
from engine.embedding import Embedder

SIMILAR = 0.88  # multilingual-e5-small: paraphrases across languages score above, unrelated questions below


@dataclass
class QuestionCluster:
    examples: list[str] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)
    conversations: set[str] = field(default_factory=set)
    size: int = 0

    def as_row(self) -> dict[str, Any]:
        return {
            "example": self.examples[0],
            "examples": self.examples[:3],
            "languages": sorted(self.languages),
            "questions": self.size,
            "conversations": len(self.conversations),
        }


def cluster_questions(
    questions: list[dict[str, Any]], embedder: Embedder, min_conversations: int = MIN_GROUP
) -> tuple[list[dict[str, Any]], int]:
    """Single pass over the questions: each joins the most similar cluster (by its centroid) or starts one.
    Returns the clusters with at least `min_conversations` conversations, largest first, and how many were hidden."""
    if not questions:
        return [], 0
    vectors = embedder.query([q["question"] for q in questions])
    centroids = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    clusters: list[QuestionCluster] = []
    for question, vector in zip(questions, vectors, strict=True):
        scores = centroids @ vector if clusters else np.zeros(0)
        best = int(np.argmax(scores)) if len(scores) else -1
        if best < 0 or scores[best] < SIMILAR:
            clusters.append(QuestionCluster())
            centroids = np.vstack([centroids, vector])
            best = len(clusters) - 1
        else:
            merged = centroids[best] * clusters[best].size + vector
            centroids[best] = merged / np.linalg.norm(merged)
        cluster = clusters[best]
        cluster.size += 1
        if question["question"] not in cluster.examples:
            cluster.examples.append(question["question"])
        cluster.languages.add(question.get("language") or "?")
        cluster.conversations.add(question.get("conversation_id") or f"deleted-{id(question)}")
    shown = [c for c in clusters if len(c.conversations) >= min_conversations]
    shown.sort(key=lambda c: (-len(c.conversations), -c.size))
    return [c.as_row() for c in shown], len(clusters) - len(shown)
