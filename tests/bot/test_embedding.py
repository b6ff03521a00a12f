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
