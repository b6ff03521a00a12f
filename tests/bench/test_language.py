"""bench-language's bookkeeping: what counts as determinable, the ceiling, wrong switches."""

from __future__ import annotations

import math

import pytest

from bench.language import (
    LanguageScores,
    comparison_rows,
    keyboard_mashes,
    language_report,
    mashing_report,
    reference_detector,
)
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.understanding.language import SUPPORTED_LANGUAGES, LanguageDetector, normalise, training_examples


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(Settings().nlu_dir, ignore_words=["Witten", "Annen"])


def test_shared_texts_and_bare_place_names_are_not_determinable(detector: LanguageDetector) -> None:
    items = [
        ("fr", "thx"),  # the same text in two languages' files: one of them is lost whatever the detector says
        ("pl", "thx"),
        ("pl", "thx"),
        ("de", "Annen, Witten"),  # no language in it at all
        ("de", "Wo melde ich mich in Witten an?"),
        ("es", "¿Dónde puedo registrar mi domicilio?"),
    ]
    report = language_report(detector, items)
    scores = report["all"]
    assert scores.ceiling == pytest.approx(4 / 6)  # "thx" (fr) and "Annen, Witten" can never be right
    assert scores.determinable == 1.0  # the two full sentences
    assert scores.two_words_or_more == 1.0 and math.isnan(scores.one_word)  # no determinable single word
    assert scores.sentences == 1.0  # the only messages of four words or more
    assert report["de"].ceiling == pytest.approx(1 / 2) and report["pl"].ceiling == 1.0
    assert scores.identified <= scores.ceiling
    assert scores.wrong_switch == 0.0


def test_determinable_single_words_are_counted_apart(detector: LanguageDetector) -> None:
    items = [("de", "Wohnung"), ("es", "¿Dónde puedo registrar mi domicilio?"), ("pl", "thx"), ("fr", "thx")]
    scores = language_report(detector, items)["all"]
    right_word = detector.detect("Wohnung").language == "de"
    assert scores.one_word == float(right_word)  # "thx" is in two files: not determinable, not in either column
    assert scores.two_words_or_more == 1.0
    assert scores.determinable == pytest.approx((right_word + 1) / 2)


def test_a_confident_wrong_language_counts_as_a_wrong_switch(detector: LanguageDetector) -> None:
    report = language_report(detector, [("fr", "Where do I register my address in Witten?")])
    assert report["fr"].identified == 0.0 and report["fr"].wrong_switch == 1.0


def test_mashing_report_counts_recognised_mashes_and_mistaken_messages(detector: LanguageDetector) -> None:
    mashes = keyboard_mashes()
    assert len(mashes) == 60 and mashes == keyboard_mashes()  # seeded: every run measures the same mashes
    items = [("de", "Wo melde ich mich an?"), ("en", "asdfghjkl")]  # the second one is no real message
    (recognised, mistaken) = mashing_report(detector, items)
    assert recognised[1] == f"{sum(detector.is_gibberish(m) for m in mashes)}/60"
    assert mistaken[1] == "1/2"


def test_reference_detector_has_no_chat_lexicon_and_the_comparison_counts_errors(detector: LanguageDetector) -> None:
    reference = reference_detector(["Witten", "Annen"])
    assert detector.detect("tschö").method == "lexicon"  # from our German chat data
    assert reference.detect("tschö").method != "lexicon"
    ours = {"all": LanguageScores(0.9, 0.95, 0.7, 0.97, 0.97, 0.01, 0.99)}
    theirs = {"all": LanguageScores(0.8, 0.85, 0.6, 0.9, 0.97, 0.0, 0.95)}
    (mine, other) = comparison_rows(ours, theirs)
    assert mine[0] == "ours" and mine[-1] == pytest.approx(1.0)
    assert other[1:4] == [0.8, 0.85, 0.0] and other[-1] == pytest.approx(2.0)  # twice our errors


def test_no_held_out_message_is_a_training_example_of_its_language() -> None:
    """tests/nlu measures intents and languages on messages the pipeline never learnt (short vowels aside)."""
    learnt = {(language, normalise(text)) for language, text in training_examples(Settings().nlu_dir)}
    held_out = training_examples(PROJECT_ROOT / "tests" / "nlu", SUPPORTED_LANGUAGES)
    assert [text for language, text in held_out if (language, normalise(text)) in learnt] == []


def test_a_text_two_languages_share_equally_is_lost_once_overall_but_reachable_for_each(
    detector: LanguageDetector,
) -> None:
    """ "thx" once in French and once in Polish: one detector gets one of them right, whichever it favours."""
    report = language_report(detector, [("fr", "thx"), ("pl", "thx")])
    assert report["all"].ceiling == pytest.approx(1 / 2)
    assert report["fr"].ceiling == 1.0 and report["pl"].ceiling == 1.0
    assert report["fr"].identified <= report["fr"].ceiling and report["pl"].identified <= report["pl"].ceiling
