"""A message is embedded once per turn however many classifiers read it, and nothing is remembered beyond it."""

from __future__ import annotations

import numpy as np

from engine.embedding import one_message, shared_embedder


def test_one_message_embeds_a_text_once_and_forgets_it_afterwards() -> None:
    embedder = shared_embedder()
    with one_message():
        first, again = embedder.query(["Wo melde ich mich an?"]), embedder.query(["Wo melde ich mich an?"])
        other = embedder.query(["Wann hat das Bürgerbüro geöffnet?"])
    assert again is first and other is not first
    later = embedder.query(["Wo melde ich mich an?"])
    assert later is not first and np.allclose(later, first, atol=1e-6)
    assert embedder.query(["Wo melde ich mich an?"]) is not later  # outside a message: no memory


def test_a_block_inside_another_keeps_the_outer_ones_vectors() -> None:
    """The knowledge index opens its own block for its two matchers; the signal classifier, reading the same
    question after it within the turn's block, must not embed it again."""
    embedder = shared_embedder()
    with one_message():
        with one_message():
            inner = embedder.query(["Wie lange dauert ein Integrationskurs?"])
        assert embedder.query(["Wie lange dauert ein Integrationskurs?"]) is inner
