"""A softmax classifier over multilingual-e5 vectors plus character n-grams, trained once per content and cached.

Two users: the knowledge matcher (one class per entry, plus "not covered") and the signal classifier (distress, a
wish for a person, requests to refuse, or none). The e5 block carries meaning across languages, the n-gram block
spelling and German compounds; a softmax gives probabilities that can be thresholded.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.understanding.text import fold
from engine.embedding import Embedder

log = logging.getLogger(__name__)

FEATURE_SCALE = 8.0  # e5 vectors are unit length; a larger scale lets the softmax become decisive
NGRAM_WEIGHT = 2.0  # relative weight of the character n-gram block
NGRAM_DIMENSIONS = 2**13
NGRAM_FOLDING = 3  # how words are folded before their n-grams are hashed (3: text.fold, casefold); cache key
REGULARISATION_C = 10.0
# L-BFGS: the knowledge matcher's objective stops falling after about 200 iterations of one pass each (under a
# minute on 2 cores); 2,400 steps of Nesterov momentum took 6–10 minutes and stopped short of it (0.049 against
# the optimum's 0.043).
MAX_ITERATIONS = 1000
MEMORY = 10  # correction pairs kept
TOLERANCE = 1e-4  # stop when ten iterations lowered the objective by less than this share of it
EMBED_CHUNK = 256  # texts per embedding call; progress is logged between calls (a cold start takes minutes)

WEIGHT_VERSIONS_KEPT = 3  # trained weights per classifier name: the newest used (two checkouts may share the cache)
PARTIAL_SUFFIX = ".partial.npz"  # a file being written, renamed to its own name when complete
VECTOR_CACHE_LIMIT = 40_000  # vectors kept across knowledge versions (~60 MB); beyond it the oldest go

_trained: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per process: tests build many apps from one KB


class VectorCache:
    """Each text's embedding, kept in one file, so that editing one entry embeds only its new texts (embedding all
    questions and answers is most of a cold build)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                with np.load(path) as stored:
                    self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
            except (OSError, ValueError, KeyError) as exc:  # a torn or foreign file: start over
                log.warning("ignoring the unreadable vector cache %s (%s)", path, exc)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def missing(self, texts: list[str]) -> list[str]:
        return sorted({text for text in texts if self.key(text) not in self._vectors})

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        self._vectors.update((self.key(text), vector) for text, vector in zip(texts, vectors, strict=True))

    def get(self, texts: list[str], dim: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, dim), np.float32)
        return np.vstack([self._vectors[self.key(text)] for text in texts]).astype(np.float32)

    def save(self, current: list[str]) -> None:
        """Written atomically. The vectors of `current` become the newest; over the limit the oldest others go
        first, so the vectors another classifier keeps in the same file survive the save of this one."""
        wanted = [key for key in dict.fromkeys(map(self.key, current)) if key in self._vectors]  # in current's order
        for key in wanted:
            self._vectors[key] = self._vectors.pop(key)
        if len(self._vectors) > VECTOR_CACHE_LIMIT:
            self._vectors = dict(list(self._vectors.items())[-max(VECTOR_CACHE_LIMIT, len(wanted)) :])
        keys = list(self._vectors)
        save_arrays(self.path, keys=np.array(keys), vectors=np.array([self._vectors[k] for k in keys], np.float32))


def char_ngrams(texts: list[str]) -> np.ndarray:
    """Hashed character 3–5-grams of each word, L2-normalised: robust to typos and compound words."""
    vectors = np.zeros((len(texts), NGRAM_DIMENSIONS), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", fold(text).casefold()):
            padded = f" {word} "
            for n in (3, 4, 5):
                for i in range(len(padded) - n + 1):
                    vectors[row, zlib.crc32(padded[i : i + n].encode()) % NGRAM_DIMENSIONS] += 1
        norm = np.linalg.norm(vectors[row])
        if norm:
            vectors[row] /= norm
    return vectors


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    result: np.ndarray = p / p.sum(axis=1, keepdims=True)
    return result


def train_softmax(
    features: np.ndarray, labels: np.ndarray, classes: int, *, what: str = "classifier"
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with L2 (mean cross-entropy + |W|² / 2Cn), minimised by L-BFGS with a
    backtracking line search, in float32 (the knowledge matcher: under a minute for 10,000 questions and answers on
    2 cores; the result is cached)."""
    n, d = features.shape
    x = features.astype(np.float32, copy=False)
    targets = np.eye(classes, dtype=np.float32)[labels]
    penalty = 1.0 / (REGULARISATION_C * n)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[: d * classes].reshape(d, classes), theta[d * classes :]
        z = x @ weights + bias
        z -= z.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float((targets * (z - log_sum)).sum()) / n + 0.5 * penalty * float((weights * weights).sum())
        residual = (np.exp(z - log_sum) - targets) / n
        gradient = np.concatenate([(x.T @ residual + penalty * weights).ravel(), residual.sum(axis=0)])
        return loss, gradient

    theta = np.zeros(d * classes + classes, np.float32)
    loss, gradient = objective(theta)
    steps: list[np.ndarray] = []
    changes: list[np.ndarray] = []
    history = [loss]
    for iteration in range(1, MAX_ITERATIONS + 1):
        direction = -_two_loop(gradient, steps, changes)
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction (rounding): start the memory over
            steps.clear()
            changes.clear()
            direction, slope = -gradient, -float(gradient @ gradient)
        rate = 1.0 if steps else 1.0 / max(float(np.abs(gradient).max()), 1e-12)
        while True:
            candidate = theta + rate * direction
            new_loss, new_gradient = objective(candidate)
            if new_loss <= loss + 1e-4 * rate * slope or rate < 1e-10:
                break
            rate /= 2
        step, change = candidate - theta, new_gradient - gradient
        if float(step @ change) > 1e-12:  # only pairs with curvature: a flat step would divide by zero below
            steps.append(step)
            changes.append(change)
        if len(steps) > MEMORY:
            steps.pop(0)
            changes.pop(0)
        theta, loss, gradient = candidate, new_loss, new_gradient
        history.append(loss)
        if iteration % 50 == 0:
            log.info("training the %s: iteration %d, loss %.4f", what, iteration, loss)
        if len(history) > 10 and history[-11] - loss < TOLERANCE * loss:
            break
    log.info("trained the %s in %d iterations (loss %.4f)", what, iteration, loss)
    return theta[: d * classes].reshape(d, classes).copy(), theta[d * classes :].copy()


def _two_loop(gradient: np.ndarray, steps: list[np.ndarray], changes: list[np.ndarray]) -> np.ndarray:
    """The L-BFGS estimate of inverse Hessian × gradient from the last steps and gradient changes."""
    q = gradient.copy()
    alphas = []
    for step, change in zip(reversed(steps), reversed(changes), strict=True):
        alpha = float(step @ q) / float(change @ step)
        alphas.append(alpha)
        q -= alpha * change
    if steps:
        q *= float(steps[-1] @ changes[-1]) / float(changes[-1] @ changes[-1])
    for step, change, alpha in zip(steps, changes, reversed(alphas), strict=True):
        beta = float(change @ q) / float(change @ step)
        q += step * (alpha - beta)
    return q


def save_arrays(path: Path, **arrays: Any) -> None:
    """An .npz file written atomically: a process reading it meanwhile sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}{PARTIAL_SUFFIX}")
    np.savez(partial, **arrays)
    os.replace(partial, path)


def prune_versions(directory: Path, prefix: str, keep: int) -> None:
    """Of the files `<prefix>-<hash>.npz` (one per version of what they were made from), all but the `keep` most
    recently written or used go; files still being written by another process stay."""

    def used(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # pruned by another process meanwhile
            return 0.0

    versions = [path for path in directory.glob(f"{prefix}-*.npz") if not path.name.endswith(PARTIAL_SUFFIX)]
    for old in sorted(versions, key=used, reverse=True)[keep:]:
        old.unlink(missing_ok=True)


class TextClassifier:
    """`texts[i]` belongs to class `labels[i]` of `classes`. `prepare` rewrites every text before it is featurised
    (the knowledge matcher cuts place names out). Trained weights are cached in `cache_dir` as <name>-<hash>.npz,
    the hash over the embedder, the knobs and the training data; the vectors in one VectorCache shared by all
    classifiers, so a text embedded for one is not embedded again for another."""

    def __init__(
        self,
        name: str,
        texts: list[str],
        labels: np.ndarray,
        classes: int,
        embedder: Embedder,
        cache_dir: Path | None = None,
        *,
        prepare: Callable[[str], str] | None = None,
        what: str = "classifier",
    ) -> None:
        self._embedder = embedder
        self._prepare = prepare or (lambda text: text)
        self._what = what
        knobs = (FEATURE_SCALE, NGRAM_WEIGHT, NGRAM_DIMENSIONS, NGRAM_FOLDING, REGULARISATION_C, "lbfgs", TOLERANCE)
        settings = "/".join(map(str, knobs))
        content = "\x00".join([type(embedder).__name__, settings, *texts, labels.tobytes().hex()])
        key = hashlib.sha256(content.encode()).hexdigest()[:20]
        if key not in _trained:
            path = cache_dir / f"{name}-{key}.npz" if cache_dir else None
            if path and path.exists():
                with np.load(path) as stored:
                    _trained[key] = (stored["weights"], stored["bias"])
                with contextlib.suppress(OSError):  # a read-only cache (a container's, built with the image) is fine
                    os.utime(path)  # used now: the last to be pruned
            else:
                log.info("training the %s on %d texts (cached afterwards)", what, len(texts))
                features = self.features(texts, cache_dir)
                _trained[key] = train_softmax(features, labels, classes, what=what)
                if path:
                    save_arrays(path, weights=_trained[key][0], bias=_trained[key][1])
                    prune_versions(path.parent, name, WEIGHT_VERSIONS_KEPT)
        self._weights, self._bias = _trained[key]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row of class probabilities per text."""
        return softmax(self.features(list(texts)) @ self._weights + self._bias)

    def features(self, texts: list[str], cache_dir: Path | None = None) -> np.ndarray:
        plain = [self._prepare(text) for text in texts]
        embedded = self._vectors(plain, cache_dir)
        return np.hstack([embedded * FEATURE_SCALE, char_ngrams(plain) * NGRAM_WEIGHT])

    def embeddings(self, texts: list[str], cache_dir: Path | None = None) -> np.ndarray:
        """The texts' sentence vectors as the classifier sees them (prepared; from the cache when there is one)."""
        return self._vectors([self._prepare(text) for text in texts], cache_dir)

    def _vectors(self, plain: list[str], cache_dir: Path | None) -> np.ndarray:
        if cache_dir is None:
            return self._embedded(plain)
        cache = VectorCache(cache_dir / f"vectors-{type(self._embedder).__name__}.npz")
        missing = cache.missing(plain)
        if missing:
            log.info("embedding %d new of %d texts for the %s", len(missing), len(set(plain)), self._what)
            cache.add(missing, self._embedded(missing))
            cache.save(current=plain)
        return cache.get(plain, self._embedder.dim)

    def _embedded(self, texts: list[str]) -> np.ndarray:
        chunks = [texts[i : i + EMBED_CHUNK] for i in range(0, len(texts), EMBED_CHUNK)]
        vectors = []
        for number, chunk in enumerate(chunks, 1):
            vectors.append(self._embedder.query(chunk))
            if len(chunks) > 1:
                done = min(number * EMBED_CHUNK, len(texts))
                log.info("embedding texts for the %s: %d/%d", self._what, done, len(texts))
        return np.vstack(vectors) if vectors else np.zeros((0, self._embedder.dim), np.float32)
