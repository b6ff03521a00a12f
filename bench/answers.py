"""`make bench-answers`: does a held-out question find the right knowledge entry, in its own language?

Held-out questions (bench/answers/*.yml, never used for matching) go through the same answering code as the bot.
Prints top-1 accuracy per language, the "not sure" rate and the wrong-answer rate (confident but wrong), and a
sweep over the confidence threshold so its setting in bot/knowledge/index.py can be checked. When not sure, the bot
offers the entries the question resembles as buttons: "offered" is the share of the "not sure" questions on covered
topics whose entry is among them (one click to the answer); "offered, uncovered" the share of questions on topics
we do not cover that still got buttons (noise). A second sweep checks SUGGEST_PROBABILITY in bot/domain/answering.py.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from types import ModuleType
from typing import Any

import yaml

from bench.report import percentile, table
from bot.app import build_dialogue_services
from bot.domain import answering
from bot.domain.answering import answer_question, entry_contact, entry_payload
from bot.domain.dialogue import TurnContext
from bot.infra.i18n import catalog_for
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.knowledge import index as index_module
from bot.knowledge.answer import localised

SET_PREFIX = "set:"  # results are also kept per file of bench/answers, under this prefix
# The sets written first, shortest and hardest: the confidence threshold is the lowest of the sweep that keeps their
# wrong answers at or below 3 % (the later, plainer sets would allow a lower one).
FIRST_PART = ("candidate", "candidate-extra", "city", "employer", "uncovered")


def load_questions() -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    for path in sorted((PROJECT_ROOT / "bench" / "answers").glob("*.yml")):
        questions += [{**q, "set": path.stem} for q in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    return questions


def shows_office_of(services: Any, entry_id: str, turn: TurnContext, text: str) -> bool:
    """An office question ("Where is the Welcome Office?") is answered with the office's card, not an entry: right
    when the card is the one of the office in charge of the expected entry for the question's city."""
    entry = services.knowledge.kb.entries.get(entry_id)
    contact = entry_contact(services, entry, turn.city) if entry else None
    names = {block.splitlines()[0] for block in text.split("\n\n") if block.strip()}  # each card starts with its name
    return contact is not None and localised(contact.name, turn.language) in names


def evaluate(services: Any, questions: list[dict[str, Any]]) -> tuple[dict[str, list[str]], list[float]]:
    """Per language a verdict for every question, and latencies in ms. Verdicts: 'right', 'wrong', 'not_sure'
    (covered topic, no answer) and 'declined' (uncovered topic, no answer: right); '+offered' when the covered
    question's entry was among the offered buttons, or when an uncovered question got any."""
    results: dict[str, list[str]] = defaultdict(list)
    latencies = []
    for q in questions:
        turn = TurnContext("bench", q["lang"], q.get("city") or "bochum", q.get("audience"), "bench")
        started = time.perf_counter()
        outcome = answer_question(services, q["q"], turn)
        latencies.append((time.perf_counter() - started) * 1000)
        offered = {button["payload"] for button in outcome.buttons} - {"/request_human"}
        if outcome.kind == "answer" and outcome.entry_id is None and q["expected"] is not None:
            verdict = "right" if shows_office_of(services, q["expected"], turn, outcome.text) else "wrong"
        elif outcome.kind in ("answer", "ask_city"):
            verdict = "right" if outcome.entry_id == q["expected"] else "wrong"  # any answer to uncovered: wrong
        elif q["expected"] is None:
            verdict = "declined+offered" if offered else "declined"
        else:
            verdict = "not_sure+offered" if entry_payload(q["expected"]) in offered else "not_sure"
        results[q["lang"]].append(verdict)
        results["all"].append(verdict)
        results[SET_PREFIX + q.get("set", "")].append(verdict)
    return results, latencies


def rates(verdicts: list[str]) -> tuple[float, float, float]:
    kinds = [verdict.split("+")[0] for verdict in verdicts]
    n = len(kinds) or 1
    right = kinds.count("right") + kinds.count("declined")
    return right / n, kinds.count("not_sure") / n, kinds.count("wrong") / n


def offers(verdicts: list[str]) -> tuple[float, float]:
    """Share of the covered "not sure" questions whose entry was offered; share of the declined uncovered ones
    that still got buttons."""
    unsure = [v for v in verdicts if v.startswith("not_sure")]
    declined = [v for v in verdicts if v.startswith("declined")]
    return (
        sum(v.endswith("+offered") for v in unsure) / (len(unsure) or 1),
        sum(v.endswith("+offered") for v in declined) / (len(declined) or 1),
    )


def sweep(
    services: Any, questions: list[dict[str, Any]], module: ModuleType, setting: str, values: tuple[float, ...]
) -> list[tuple[str, dict[str, list[str]]]]:
    """The verdicts with `module.setting` at each value, labelled ("0.75 (set)" for the configured one)."""
    configured = getattr(module, setting)
    rows = []
    try:
        for value in values:
            setattr(module, setting, value)
            verdicts, _ = evaluate(services, questions)
            rows.append((f"{value:.2f}{' (set)' if value == configured else ''}", verdicts))
    finally:
        setattr(module, setting, configured)
    return rows


def first_part(results: dict[str, list[str]]) -> list[str]:
    return [verdict for name in FIRST_PART for verdict in results.get(SET_PREFIX + name, [])]


def main() -> int:
    settings = Settings()
    services = build_dialogue_services(settings, catalog_for(settings.knowledge_dir / "ui"))
    entries = services.knowledge.kb.entries
    questions = [q for q in load_questions() if q["expected"] is None or q["expected"] in entries]
    skipped = len(load_questions()) - len(questions)
    results, latencies = evaluate(services, questions)
    languages = [*sorted(lang for lang in results if lang != "all" and not lang.startswith(SET_PREFIX)), "all"]
    rows = [[lang, len(results[lang]), *rates(results[lang]), *offers(results[lang])] for lang in languages]
    print(f"{len(questions)} held-out questions ({skipped} skipped: their entry does not exist)\n")
    headers = ["language", "questions", "top-1", "not sure", "wrong", "offered", "offered, uncovered"]
    print(table(headers, rows))
    sets = sorted(key for key in results if key.startswith(SET_PREFIX))
    set_rows = [[key.removeprefix(SET_PREFIX), len(results[key]), *rates(results[key])] for key in sets]
    print()
    print(table(["question set", "questions", "top-1", "not sure", "wrong"], set_rows))
    print(f"\nlatency per question: p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms")

    threshold_rows = sweep(
        services, questions, index_module, "CONFIDENT_PROBABILITY", (0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92)
    )
    print()
    threshold_table = [[t, *rates(r["all"]), rates(first_part(r))[2]] for t, r in threshold_rows]
    print(table(["threshold", "top-1", "not sure", "wrong", "wrong, first part"], threshold_table))
    detail_rows = sweep(services, questions, index_module, "DETAIL_PROBABILITY", (0.9, 0.95, 0.98, 1.01))
    print()
    detail_table = [[t, *rates(r["all"])] for t, r in detail_rows]
    print(table(["detail matcher from (1.01: off)", "top-1", "not sure", "wrong"], detail_table))
    offer_rows = sweep(services, questions, answering, "SUGGEST_PROBABILITY", (0.1, 0.15, 0.2, 0.3, 0.4))
    print()
    print(table(["suggest from", "offered", "offered, uncovered"], [[t, *offers(r["all"])] for t, r in offer_rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
