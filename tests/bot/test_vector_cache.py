"""The knowledge matcher embeds each text once: editing one entry embeds only that entry's new texts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import bot.understanding.classifier as classifier_module
from bot.infra.settings import Settings
from bot.knowledge.base import KnowledgeBase, load_knowledge
from bot.knowledge.index import KnowledgeIndex
from bot.understanding.classifier import VectorCache


class CountingEmbedder:
    """Deterministic vectors from a hash of the text; records what it was asked to embed."""

    dim = 16

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def query(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += texts
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], np.uint8) for t in texts]
        vectors = np.array(rows, np.float32).reshape(len(texts), self.dim) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    passage = query


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    kb, problems = load_knowledge(Settings().knowledge_dir)
    assert not problems
    return kb


def first(kb: KnowledgeBase, n: int) -> KnowledgeBase:
    return KnowledgeBase(entries={i: kb.entries[i] for i in sorted(kb.entries)[:n]})


def texts_of(kb: KnowledgeBase) -> set[str]:
    return {
        text
        for entry in kb.entries.values()
        for text in [
            *(q for qs in entry.questions.values() for q in qs),
            *(q for qs in entry.detail_questions.values() for q in qs),  # the detail matcher's
            *(a.text for a in entry.answer.values()),
            *(t for fact in entry.facts for t in fact.text.values()),  # embedded to show the closest fact first
        ]
    }


def test_a_new_entry_embeds_only_its_own_texts(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    before, after = first(knowledge, 2), first(knowledge, 3)
    embedder = CountingEmbedder()
    KnowledgeIndex(before, embedder, tmp_path)
    assert set(embedder.embedded) == texts_of(before)

    embedder.embedded.clear()
    index = KnowledgeIndex(after, embedder, tmp_path)
    assert set(embedder.embedded) == texts_of(after) - texts_of(before)
    question = next(iter(after.entries[sorted(after.entries)[2]].questions["en"]))
    assert index.search(question).matches[0].entry.id == sorted(after.entries)[2]


def test_an_unreadable_vector_cache_is_rebuilt(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier_module, "_trained", {})  # the matcher trained by the test before: train again
    (tmp_path / "vectors-CountingEmbedder.npz").write_bytes(b"not a numpy file")
    embedder = CountingEmbedder()
    kb = first(knowledge, 2)
    KnowledgeIndex(kb, embedder, tmp_path)
    assert set(embedder.embedded) == texts_of(kb)
    assert (tmp_path / "vectors-CountingEmbedder.npz").stat().st_size > 100


def test_over_the_limit_a_save_keeps_what_another_classifier_shares_the_file_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier_module, "VECTOR_CACHE_LIMIT", 5)
    path, embedder = tmp_path / "vectors.npz", CountingEmbedder()
    knowledge, signals, stale = ["k1", "k2"], ["k1", "s1", "s2"], ["old1", "old2", "old3"]
    for texts in (stale, knowledge, signals):  # the oldest first, as the builds saved them
        cache = VectorCache(path)
        cache.add(cache.missing(texts), embedder.query(cache.missing(texts)))
        cache.save(current=texts)
    kept = VectorCache(path)
    assert kept.missing(knowledge + signals) == [] and kept.missing(stale) == ["old1", "old2"]  # the oldest went


def test_a_save_always_keeps_its_own_texts_whatever_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classifier_module, "VECTOR_CACHE_LIMIT", 2)
    texts, embedder = ["a", "b", "c"], CountingEmbedder()
    cache = VectorCache(tmp_path / "vectors.npz")
    cache.add(texts, embedder.query(texts))
    cache.save(current=texts)
    assert VectorCache(tmp_path / "vectors.npz").missing(texts) == []


def test_a_start_with_everything_cached_reads_the_facts_vectors_from_their_own_file(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = first(knowledge, 3)
    question = "Can I travel with it?"
    built = KnowledgeIndex(kb, CountingEmbedder(), tmp_path)
    order = {eid: built.facts_by_relevance(kb.entries[eid], question) for eid in kb.entries}

    def unread(*args: object) -> None:
        raise AssertionError("the shared vector file was read")

    monkeypatch.setattr(VectorCache, "__init__", unread)
    again = KnowledgeIndex(kb, CountingEmbedder(), tmp_path)
    assert {eid: again.facts_by_relevance(kb.entries[eid], question) for eid in kb.entries} == order
    assert len(list(tmp_path.glob("fact-vectors-*.npz"))) == 1


def test_changed_facts_are_embedded_again_and_replace_the_old_file(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    KnowledgeIndex(first(knowledge, 2), CountingEmbedder(), tmp_path)
    old = set(tmp_path.glob("fact-vectors-*.npz"))
    KnowledgeIndex(first(knowledge, 3), CountingEmbedder(), tmp_path)
    new = set(tmp_path.glob("fact-vectors-*.npz"))
    assert len(new) == 1 and new != old


def test_weights_of_earlier_knowledge_go_but_the_newest_used_stay(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier_module, "_trained", {})  # as a new process: read from the files
    built = {}
    for n in (2, 3, 4):
        before = set(tmp_path.glob("knowledge-*.npz"))
        KnowledgeIndex(first(knowledge, n), CountingEmbedder(), tmp_path)
        (built[n],) = set(tmp_path.glob("knowledge-*.npz")) - before
        os.utime(built[n], (1_000_000 + n, 1_000_000 + n))  # built in this order, seconds apart
    classifier_module._trained.clear()
    KnowledgeIndex(first(knowledge, 2), CountingEmbedder(), tmp_path)  # the oldest is used again
    KnowledgeIndex(first(knowledge, 5), CountingEmbedder(), tmp_path)  # a new version: one has to go
    kept = set(tmp_path.glob("knowledge-*.npz"))
    assert len(kept) == classifier_module.WEIGHT_VERSIONS_KEPT
    assert built[2] in kept and built[4] in kept and built[3] not in kept


def test_pruning_leaves_a_file_another_process_is_still_writing(tmp_path: Path) -> None:
    for number in range(4):
        classifier_module.save_arrays(tmp_path / f"knowledge-{number}.npz", weights=np.zeros(1))
        os.utime(tmp_path / f"knowledge-{number}.npz", (1_000_000 + number, 1_000_000 + number))
    writing = tmp_path / "knowledge-4.99.partial.npz"
    writing.write_bytes(b"half")
    classifier_module.prune_versions(tmp_path, "knowledge", keep=2)
    assert {path.name for path in tmp_path.iterdir()} == {"knowledge-3.npz", "knowledge-2.npz", writing.name}


def test_weights_in_a_cache_it_may_not_write_are_still_read(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A container's cache is built with the image and read-only at run time: marking a file used must not fail."""
    monkeypatch.setattr(classifier_module, "_trained", {})  # as a new process: trained, then read from the files
    KnowledgeIndex(first(knowledge, 2), CountingEmbedder(), tmp_path)
    classifier_module._trained.clear()

    def refused(*args: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(classifier_module.os, "utime", refused)
    embedder = CountingEmbedder()
    KnowledgeIndex(first(knowledge, 2), embedder, tmp_path)
    assert embedder.embedded == []  # read from the files, nothing trained or embedded again


def test_training_on_points_it_cannot_separate_ends_without_a_division_by_zero() -> None:
    # The same point under two labels: the optimum is reached exactly, and the last step has no curvature.
    features = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    weights, bias = classifier_module.train_softmax(features, np.array([0, 1]), 2)
    assert classifier_module.softmax(features[:1] @ weights + bias)[0][0] == pytest.approx(0.5, abs=0.01)


def test_an_unreadable_fact_vector_file_is_made_again(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    kb = first(knowledge, 2)
    question = "Can I travel with it?"
    built = KnowledgeIndex(kb, CountingEmbedder(), tmp_path)
    order = {eid: built.facts_by_relevance(kb.entries[eid], question) for eid in kb.entries}
    (stored,) = tmp_path.glob("fact-vectors-*.npz")
    stored.write_bytes(b"not a numpy file")
    again = KnowledgeIndex(kb, CountingEmbedder(), tmp_path)
    assert {eid: again.facts_by_relevance(kb.entries[eid], question) for eid in kb.entries} == order
    assert stored.stat().st_size > 100
