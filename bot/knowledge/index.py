"""Cross-lingual retrieval: a softmax classifier over the entries' question variants and answers (all languages),
with one extra class for questions the knowledge base does not cover.

Cosine similarity alone cannot say "not covered": multilingual-e5 scores crowd into 0.8–0.9 for related and
unrelated questions alike ("Where do I get a fishing licence?" scored 0.88 for the residence permit). A classifier
on e5 vectors plus character n-grams (spelling, German compounds), which also learns from curated uncovered
questions (knowledge/i18n/uncovered.yml), gives a probability that can be thresholded. Place names are cut out first:
the city is handled separately. The threshold was chosen on bench/answers (make bench-answers): the lowest of its
sweep that keeps confident wrong answers at or below 3 %.

People mostly ask for a detail ("How long may a trial day with an Opportunity Card last?"), which the topic matcher
is often unsure about: the detail lies in an entry's facts, and its words are those of several topics. A second
classifier, the detail matcher, learns the entries from their facts and from questions asking for them
(`detail_questions`); when the topic matcher is unsure and the detail matcher all but certain, its entry is answered,
the fact closest to the question first.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.infra.yamlfile import read_yaml
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import Entry, Fact
from bot.understanding.classifier import TextClassifier, prune_versions, save_arrays
from engine.embedding import Embedder, one_message

CONFIDENT_PROBABILITY = 0.88
# The detail matcher answers from this probability (bench-dev's facts 82.4 -> 86.4 %, bench-answers 86.9 -> 87.6 %
# right and 2.5 -> 2.6 % wrong; at 0.9 wrong rose to 2.9 %, at 0.98 it rescued half as many; docs/benchmarks.md).
DETAIL_PROBABILITY = 0.95
FACT_VECTORS = "fact-vectors"  # file name prefix in the cache directory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class SearchResult:
    matches: list[Match]
    confident: bool
    not_covered: float = 0.0  # probability that the knowledge base does not cover the question at all
    by_detail: bool = False  # confident because the detail matcher is, not the topic matcher

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


def load_uncovered(path: Path) -> list[str]:
    """Questions the knowledge base deliberately does not answer (a YAML list of strings)."""
    if not path.exists():
        return []
    data = read_yaml(path) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of questions")
    return [str(q).strip() for q in data if str(q).strip()]


class KnowledgeIndex:
    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        cache_dir: Path | None = None,
        uncovered: list[str] | None = None,
        without_places: Callable[[str], str] | None = None,
    ) -> None:
        self.kb = kb
        self._embedder = embedder
        self._ids = sorted(kb.entries)
        negatives = uncovered or []

        def matcher(name: str, examples: Callable[[Entry], list[str]]) -> TextClassifier | None:
            """A classifier over the entries from their `examples`, with one more class: not covered."""
            texts: list[str] = []
            labels: list[int] = []
            for number, entry_id in enumerate(self._ids):
                found = examples(kb.entries[entry_id])
                texts += found
                labels += [number] * len(found)
            if not texts:
                return None
            texts += negatives
            labels += [len(self._ids)] * len(negatives)  # the last class: not covered
            classes = len(self._ids) + 1
            what = f"{name} matcher"
            return TextClassifier(
                name, texts, np.array(labels), classes, embedder, cache_dir, prepare=without_places, what=what
            )

        # The answers themselves are examples too: they carry the topic's vocabulary in every language. The facts are
        # not: details often name other topics' words, and as examples they lowered bench-answers from 86.9 to 85.1 %
        # right (wrong 2.5 -> 2.8 %).
        self._classifier = matcher(
            "knowledge",
            lambda entry: [
                *(q for variants in entry.questions.values() for q in variants),
                *(translation.text for translation in entry.answer.values()),
            ],
        )
        # The detail matcher: the same entries, learnt from their facts and the questions asking for them.
        self._details = matcher(
            "details",
            lambda entry: [
                *(text for fact in entry.facts for text in fact.text.values()),
                *(q for variants in entry.detail_questions.values() for q in variants),
            ],
        )

        # Each fact's sentence vectors (one per language), to show the facts closest to a question first.
        self._fact_vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # entry id: (vectors, the fact of each)
        if self._classifier is not None:
            texts = [text for eid in self._ids for fact in kb.entries[eid].facts for text in fact.text.values()]
            vectors = self._fact_embeddings(texts, cache_dir)
            start = 0
            for eid in self._ids:
                owners = np.array([n for n, fact in enumerate(kb.entries[eid].facts) for _ in fact.text], dtype=int)
                if len(owners):
                    self._fact_vectors[eid] = (vectors[start : start + len(owners)], owners)
                    start += len(owners)

    def _fact_embeddings(self, texts: list[str], cache_dir: Path | None) -> np.ndarray:
        """The facts' vectors from a file of their own (a few MB), so that a start with the classifier's weights
        cached does not read the shared vector file (about 30 MB) for them; written when the facts change."""
        assert self._classifier is not None
        if cache_dir is None:
            return self._classifier.embeddings(texts)
        content = "\x00".join([type(self._embedder).__name__, *texts])
        path = cache_dir / f"{FACT_VECTORS}-{hashlib.sha256(content.encode()).hexdigest()[:20]}.npz"
        if path.exists():
            try:
                with np.load(path) as stored:
                    loaded: np.ndarray = stored["vectors"]
                    return loaded
            except (OSError, ValueError, KeyError) as exc:  # a torn or foreign file: made again below
                log.warning("ignoring the unreadable fact vectors %s (%s)", path, exc)
        vectors = self._classifier.embeddings(texts, cache_dir)
        save_arrays(path, vectors=vectors)
        prune_versions(cache_dir, FACT_VECTORS, keep=1)  # the vectors of facts since changed go
        return vectors

    def facts_by_relevance(self, entry: Entry, question: str) -> list[Fact]:
        """The entry's facts, the one closest in meaning to the question (in any of its languages) first: "Can I
        travel with it?" leads with the fact about travelling."""
        found = self._fact_vectors.get(entry.id)
        if found is None or self._classifier is None or not question.strip():
            return list(entry.facts)
        vectors, owners = found
        similarity = vectors @ self._classifier.embeddings([question])[0]
        closest = [max(similarity[owners == n], default=-1.0) for n in range(len(entry.facts))]
        return [entry.facts[n] for n in sorted(range(len(entry.facts)), key=lambda n: -closest[n])]

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def search(self, question: str, *, audience: str | None = None, limit: int = 3) -> SearchResult:
        """The most probable entries for the audience; confident only when the best is probable enough and more
        probable than "not covered". With an audience, the probabilities are conditioned on it: a candidate's
        "Wie lange dauert die Anerkennung meines Pflegediploms?" was split between recognition of qualifications
        and the employers' recognition partnership, so neither reached the threshold although the employer entry
        is never offered to a candidate (make bench-answers, on the 477 questions it then had,
        89.7 -> 90.4 % right and 2.1 -> 1.7 % wrong, with the threshold at 0.88 instead of 0.85)."""
        if self._classifier is None:
            return SearchResult([], False)
        with one_message():  # the topic and the detail matcher embed the question once
            return self._search(question, audience, limit)

    def _search(self, question: str, audience: str | None, limit: int) -> SearchResult:
        assert self._classifier is not None
        eligible = [audience is None or audience in self.kb.entries[eid].audience for eid in self._ids]
        probabilities = self._conditioned(self._classifier, question, eligible)
        not_covered = float(probabilities[-1])
        candidates = [(eid, p) for eid, p, ok in zip(self._ids, probabilities[:-1], eligible, strict=True) if ok]
        ranked = sorted(candidates, key=lambda item: item[1], reverse=True)
        matches = [Match(self.kb.entries[eid], float(p)) for eid, p in ranked][:limit]
        if not matches:
            return SearchResult([], False)
        best = matches[0].score
        if best >= CONFIDENT_PROBABILITY and best > not_covered:
            return SearchResult(matches, True, not_covered)
        if self._details is not None:
            details = self._conditioned(self._details, question, eligible)
            top = int(np.argmax(details))
            if top < len(self._ids) and details[top] >= DETAIL_PROBABILITY:
                chosen = Match(self.kb.entries[self._ids[top]], float(details[top]))
                others = [match for match in matches if match.entry.id != chosen.entry.id]
                return SearchResult([chosen, *others][:limit], True, not_covered, by_detail=True)
        return SearchResult(matches, False, not_covered)

    def _conditioned(self, classifier: TextClassifier, question: str, eligible: list[bool]) -> np.ndarray:
        """P(entry | question, audience): entries for others take no share ("not covered", the last class, keeps its
        own)."""
        probabilities: np.ndarray = classifier.probabilities([question])[0]
        if not all(eligible):
            probabilities = np.where([*eligible, True], probabilities, 0.0)
            probabilities /= probabilities.sum()
        return probabilities
