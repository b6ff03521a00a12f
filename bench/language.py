"""`make bench-language`: which language a short chat message is in, per language, on the held-out tests/nlu.

Columns: accuracy on every held-out message; accuracy on the determinable ones (a text that only one language's
test file contains, with a word besides place names and German office terms: "ok", "thx" and "Annen, Witten" are
not); the ceiling (the best any one detector could reach on all messages, given those; per language, the best a
detector favouring that language could reach); and the wrong-switch rate (a
confident detection of another language: the conversation would switch language, the error users see).

Beside it, in the same run, the reference issue 9 measured (94.5 % on its own short messages): lingua restricted to
our languages plus the script rules and without German office terms and place names — our detector with neither
the chat data nor the word frequencies.

`--tune` chooses the weights of the mix (chat model, word frequencies, lingua) by 5-fold cross-validation on
data/nlu, so the held-out files never choose them. `make bench-nlu` prints the same columns beside intent quality.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from typing import NamedTuple

from bench.report import table
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.understanding.language import (
    CHAT_MODEL_WEIGHT,
    NO_EVIDENCE,
    SUPPORTED_LANGUAGES,
    SWITCH_CONFIDENCE,
    WORD_MODEL_WEIGHT,
    Detection,
    LanguageDetector,
    normalise,
    training_examples,
)
from bot.understanding.places import PlaceRecognizer

HELD_OUT = PROJECT_ROOT / "tests" / "nlu"
FOLDS = 5
CHAT_WEIGHTS = (0.1, 0.3, 0.5)
WORD_WEIGHTS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)


def place_names() -> list[str]:
    return PlaceRecognizer(Settings().knowledge_dir / "places.yml").names


def held_out() -> list[tuple[str, str]]:
    """(language, message) of tests/nlu/<lang>.yml (cities.yml has no language of its own)."""
    return training_examples(HELD_OUT, SUPPORTED_LANGUAGES)


def undeterminable(items: list[tuple[str, str]], found: list[Detection]) -> tuple[set[int], set[int], set[int]]:
    """Indices of messages no detector can get right for sure; of those it must get wrong in all (texts that
    several languages' files share: all but one most common label are lost; place names alone in Latin letters);
    and of those it must get wrong even when it favours their language (a text shared with a language whose files
    have it more often; place names alone). `found`: the detections of `items`, to tell place names alone."""
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for language, text in items:
        labels[normalise(text)][language] += 1
    shared, lost, lost_for_language = set(), set(), set()
    for i, (language, text) in enumerate(items):
        counts = labels[normalise(text)]
        if len(counts) > 1:
            shared.add(i)
            (best, most), *_ = counts.most_common(1)
            if language != best:
                lost.add(i)
            if counts[language] < most:
                lost_for_language.add(i)
        elif found[i].method in NO_EVIDENCE:
            shared.add(i)
            lost.add(i)
            lost_for_language.add(i)
    return shared, lost, lost_for_language


class LanguageScores(NamedTuple):
    """One language's (or all) shares: identified; of the determinable messages (a text only one language's file
    holds, with more than place names), all, the single words ("Wohnung", "Hi") and those of two words or more; the
    ceiling; wrong switches; messages of four words or more (a sentence, where a detector has something to go on)."""

    identified: float
    determinable: float
    one_word: float
    two_words_or_more: float
    ceiling: float
    wrong_switch: float
    sentences: float


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _shares(hits: list[tuple[bool, bool, bool, bool, int]]) -> LanguageScores:
    """`hits`: (right, determinable, within the ceiling, wrong switch, words) per message."""
    determinable = [(right, words) for right, clear, _, _, words in hits if clear]
    return LanguageScores(
        identified=_share([h[0] for h in hits]),
        determinable=_share([right for right, _ in determinable]),
        one_word=_share([right for right, words in determinable if words == 1]),
        two_words_or_more=_share([right for right, words in determinable if words > 1]),
        ceiling=_share([h[2] for h in hits]),
        wrong_switch=_share([h[3] for h in hits]),
        sentences=_share([h[0] for h in hits if h[4] >= LONG_MESSAGE_WORDS]),
    )


def language_report(detector: LanguageDetector, items: list[tuple[str, str]]) -> dict[str, LanguageScores]:
    """Per language and "all": the LanguageScores of the detector on `items` (language, message)."""
    found = [detector.detect(text) for _, text in items]
    shared, lost, lost_for_language = undeterminable(items, found)
    rows: dict[str, list[tuple[bool, bool, bool, bool, int]]] = defaultdict(list)
    for i, ((language, text), detection) in enumerate(zip(items, found, strict=True)):
        right = detection.language == language
        wrong_switch = not right and detection.confidence >= SWITCH_CONFIDENCE
        words = len(text.split())
        # A language's ceiling is what a detector favouring that language could reach; the overall one is what one
        # detector can reach on all messages at once.
        rows[language].append((right, i not in shared, i not in lost_for_language, wrong_switch, words))
        rows["all"].append((right, i not in shared, i not in lost, wrong_switch, words))
    return {key: _shares(hits) for key, hits in rows.items()}


REPORT_HEADERS = ["lang-id", "determinable", "… one word", "… 2+ words", "ceiling", "wrong switch", ">= 4 words"]
LONG_MESSAGE_WORDS = 4


def reference_detector(names: list[str]) -> LanguageDetector:
    """Issue 9's reference: lingua (restricted) + script rules + German terms and places removed; no lexicon, no chat
    model, no word frequencies."""
    return LanguageDetector(examples=[], ignore_words=names, weights=(0.0, 0.0))


def comparison_rows(ours: dict[str, LanguageScores], reference: dict[str, LanguageScores]) -> list[list[object]]:
    """Per detector: accuracy on all and on determinable messages, wrong switches, and its errors against ours."""
    errors = 1 - ours["all"].identified
    return [
        [
            name,
            scores.identified,
            scores.determinable,
            scores.wrong_switch,
            (1 - scores.identified) / errors if errors else 1.0,
        ]
        for name, scores in (("ours", ours["all"]), ("reference (lingua + script rules)", reference["all"]))
    ]


def tune(names: list[str]) -> tuple[float, float]:
    """Cross-validated accuracy on data/nlu for each pair of weights; prints the grid, returns the best pair."""
    examples = training_examples(Settings().nlu_dir)
    random.Random(0).shuffle(examples)
    folds = [examples[i::FOLDS] for i in range(FOLDS)]
    right: Counter[tuple[float, float]] = Counter()
    for k, test in enumerate(folds):
        print(f"==> fold {k + 1}/{FOLDS}", flush=True)
        train = [example for j, fold in enumerate(folds) if j != k for example in fold]
        for weights in [(c, w) for c in CHAT_WEIGHTS for w in WORD_WEIGHTS]:
            detector = LanguageDetector(examples=train, ignore_words=names, weights=weights)
            right[weights] += sum(detector.detect(text).language == language for language, text in test)
    grid = [[c, *(right[(c, w)] / len(examples) for w in WORD_WEIGHTS)] for c in CHAT_WEIGHTS]
    print()
    print(table(["chat \\ words", *(str(w) for w in WORD_WEIGHTS)], grid))
    best = max(right, key=lambda weights: right[weights])
    print(f"\nbest (chat model, word model) weights: {best}; in use: {(CHAT_MODEL_WEIGHT, WORD_MODEL_WEIGHT)}")
    return best


KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "wxcvbn", "йцукенгшщз")


def keyboard_mashes(count: int = 60, seed: int = 1) -> list[str]:
    """Made-up mashing: runs along keyboard rows (QWERTY, QWERTZ, AZERTY, ЙЦУКЕН), random letters, one key held."""
    rng = random.Random(seed)
    mashes = []
    for i in range(count):
        if i % 3 == 0:
            row = rng.choice(KEYBOARD_ROWS)
            start = rng.randrange(len(row) - 4)
            mashes.append(row[start : start + rng.randint(5, len(row) - start)])
        elif i % 3 == 1:
            mashes.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 9))))
        else:
            mashes.append(rng.choice("adfghjklsx") * rng.randint(5, 9))
    return mashes


def mashing_report(detector: LanguageDetector, items: list[tuple[str, str]]) -> list[list[object]]:
    """How much made-up mashing is recognised, and how many held-out messages would wrongly be taken for it."""
    mashes = keyboard_mashes()
    recognised = sum(detector.is_gibberish(text) for text in mashes)
    mistaken = [text for _, text in items if detector.is_gibberish(text)]
    return [
        ["keyboard mashing recognised", f"{recognised}/{len(mashes)}"],
        ["held-out messages taken for mashing", f"{len(mistaken)}/{len(items)}"],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="cross-validate the mix weights on data/nlu first")
    args = parser.parse_args()
    names = place_names()
    if args.tune:
        tune(names)
    detector = LanguageDetector(Settings().nlu_dir, ignore_words=names)
    report = language_report(detector, held_out())
    languages = [*sorted(k for k in report if k != "all"), "all"]
    print()
    print(table(["language", *REPORT_HEADERS], [[lang, *report[lang]] for lang in languages]))
    print()
    reference = language_report(reference_detector(names), held_out())
    headers = ["detector", "lang-id", "determinable", "wrong switch", "errors × ours"]
    print(table(headers, comparison_rows(report, reference)))
    print()
    print(table(["keyboard mashing (answered without the NLU)", "count"], mashing_report(detector, held_out())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
