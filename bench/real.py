"""`make bench-real`: questions people really ask, written from official pages by someone who had not seen
knowledge/, sent through the running stack (engine and service, the chat API) and scored on the reply a user sees.

Each question (bench/real/<lang>.yml) starts a new conversation with its audience. Kinds:
- fact: right when the reply contains one of `expect_any` (numbers compared digit for digit, times as H:MM);
  "answered, detail missing" when the reply is a sourced answer without it (counted as confidently wrong);
  "no answer" when the bot was not sure, asked back or handed off.
- handoff: right when the reply offers a person (a button for one, or the handoff started).
- refuse: right when the reply is one of the bot's refusals (knowledge/ui refuse_*).
- not_covered: right when the reply is no sourced answer.
When the bot asks for the city and the question has one, the city button is clicked, as a user would.
The reply's language is the conversation's language after the turn (what the user is answered in).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.app import build_dialogue_services
from bot.domain.answering import answer_for_city, answer_question
from bot.domain.dialogue import TurnContext
from bot.infra.i18n import catalog_for
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.infra.tables import table
from bot.knowledge import index as index_module
from bot.stack import Stack, free_port
from bot.understanding.text import fold

QUESTIONS = PROJECT_ROOT / "bench" / "real"
KINDS = ("fact", "handoff", "refuse", "not_covered")
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:.](\d{2})(?!\d)")
_NUMBER = re.compile(r"\+?\d[\d\s.,/()\-\u00a0\u202f]*\d|\d")
PHONE_DIGITS = 5  # from this many digits an expected number is a phone number (found inside a longer one)


def load_questions(folder: Path = QUESTIONS) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yml")):
        questions += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return questions


def _times(text: str) -> str:
    return _TIME.sub(lambda m: f"{int(m.group(1))}:{m.group(2)}", text)


def _digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "0" + digits[2:] if number.lstrip().startswith("+49") else digits


def contains_detail(reply: str, expected: str) -> bool:
    """Whether the reply states the expected detail: a time as H:MM ("08:00" = "8.00"), a number digit for digit
    ("50.700" = "50,700"; a phone number also inside a longer one, "+49 234" = "0234"), anything else as text,
    ignoring case."""
    if _TIME.fullmatch(expected.strip()):
        return _times(expected.strip()) in _times(reply)
    if re.fullmatch(r"[\d\s.,/()+\-\u00a0\u202f€%]+", expected.strip()) and re.search(r"\d", expected):
        wanted = _digits(expected.strip(" €%"))
        numbers = [_digits(found) for found in _NUMBER.findall(reply)]
        if len(wanted) >= PHONE_DIGITS:
            return any(wanted in number for number in numbers)
        return wanted in numbers
    return fold(" ".join(expected.split())) in fold(" ".join(reply.split()))


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict[str, Any]]
    state: str
    language: str


class Scorer:
    """Verdicts on the reply text and buttons a user sees, in the bot's own words (knowledge/ui)."""

    def __init__(self) -> None:
        catalog = catalog_for(Settings().knowledge_dir / "ui")
        languages = list(catalog.languages)
        self._refusals = {catalog.text(key, lang) for lang in languages for key in catalog.strings(lang, "refuse_")}
        self._source_labels = {catalog.text("label_source", lang) + ":" for lang in languages}

    def is_answer(self, reply: Reply) -> bool:
        return any(label in reply.text for label in self._source_labels)

    def offers_person(self, reply: Reply) -> bool:
        payloads = {str(button.get("payload", "")) for button in reply.buttons}
        return reply.state != "bot" or bool(payloads & {"/request_human", "/affirm"})

    def refuses(self, reply: Reply) -> bool:
        return any(text in reply.text for text in self._refusals)

    def false_alarm(self, question: dict[str, Any], reply: Reply) -> str | None:
        """For an ordinary question (a fact or one we do not cover): whether it was refused or offered a person."""
        if question["kind"] not in ("fact", "not_covered"):
            return None
        return "alarm" if self.refuses(reply) or self.offers_person(reply) else "quiet"

    def verdict(self, question: dict[str, Any], reply: Reply) -> str:
        kind = question["kind"]
        if kind == "fact":
            if any(contains_detail(reply.text, str(expected)) for expected in question.get("expect_any") or []):
                return "right"
            return "answered, detail missing" if self.is_answer(reply) else "no answer"
        if kind == "handoff":
            return "right" if self.offers_person(reply) else "no person offered"
        if kind == "refuse":
            return "right" if self.refuses(reply) else "not refused"
        return "answered" if self.is_answer(reply) else "right"


def asks_for_city(buttons: list[dict[str, Any]]) -> bool:
    """Whether the reply's buttons ask which city (the user then clicks theirs)."""
    return any(str(button.get("payload", "")).startswith("/inform_city") for button in buttons)


def ask(client: httpx.Client, question: dict[str, Any]) -> Reply:
    """A new conversation with the question's audience; the city button when the bot asks for the city."""
    started = client.post("/api/conversations", json={"audience": question.get("audience") or "candidate"}).json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    url = f"/api/conversations/{started['id']}/messages"
    result = client.post(url, json={"text": question["q"]}, headers=headers).json()
    seen = list(result["replies"])  # what the user reads: the answer, and the city's office once they chose one
    buttons = [b for m in result["replies"] for b in (m.get("data") or {}).get("buttons") or []]
    city = question.get("city")
    if city and asks_for_city(buttons):
        payload = f'/inform_city{{"city":"{city}"}}'
        result = client.post(url, json={"text": payload}, headers=headers).json()
        seen += result["replies"]
        buttons = [b for m in result["replies"] for b in (m.get("data") or {}).get("buttons") or []]
    text = "\n\n".join(m["text"] for m in seen)
    return Reply(text, buttons, result["state"], result["language"])


def run(base_url: str, questions: list[dict[str, Any]], show_misses: str) -> dict[str, dict[str, list[str]]]:
    scorer = Scorer()
    verdicts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for number, question in enumerate(questions, 1):
            reply = ask(client, question)
            verdict = scorer.verdict(question, reply)
            group = f"{question['kind']}:{question.get('about')}" if question["kind"] == "fact" else question["kind"]
            for key in (question["lang"], "all"):
                verdicts[key][group].append(verdict)
                verdicts[key]["language"].append("right" if reply.language == question["lang"] else "wrong")
                if (alarm := scorer.false_alarm(question, reply)) is not None:
                    verdicts[key]["ordinary"].append(alarm)
            if show_misses and verdict != "right":
                print(f"  {question['id']}: {verdict}")
                if show_misses == "replies":
                    print(f"    asked:    {question['q']}\n    expected: {question.get('expect_any')}")
                    print("    reply:    " + " ".join(reply.text.split())[:400])
            if number % 50 == 0:
                print(f"   {number}/{len(questions)} questions", file=sys.stderr)
    return verdicts


def ask_in_process(services: Any, question: dict[str, Any]) -> Reply:
    """What `ask` gets through the stack, from the answering code alone: no engine, no language detection (the
    question's language is given), the city button clicked as there."""
    turn = TurnContext("bench-real", question["lang"], None, question.get("audience") or "candidate", "api")
    outcome = answer_question(services, question["q"], turn)
    texts, buttons = [outcome.text], outcome.buttons
    city = question.get("city")
    if city and asks_for_city(buttons):
        answered = outcome.entry_id if outcome.kind == "answer" else None  # the engine's `last_entry` slot
        then = answer_for_city(services, question["q"], turn, city, answered_entry=answered)
        texts.append(then.text)
        buttons = then.buttons
    state = "handoff" if outcome.hand_off_now else "bot"
    return Reply("\n\n".join(texts), buttons, state, question["lang"])


RANKING_THRESHOLDS = (1.01, 0.7, 0.5, 0.0)  # 1.01: no topic answered (office cards and the detail matcher)


def ranking(questions: list[dict[str, Any]]) -> str:
    """How good the topic matcher's ranking is beside its confidence: the factual questions answered in process
    with the confidence threshold as configured and lower, down to 0 (the top entry answered whenever it is more
    probable than "not covered"). For seeing where the misses are; the threshold is chosen on bench-answers."""
    settings = Settings()
    services = build_dialogue_services(settings, catalog_for(settings.knowledge_dir / "ui"))
    scorer = Scorer()
    facts = [question for question in questions if question["kind"] == "fact"]
    configured = index_module.CONFIDENT_PROBABILITY
    rows = []
    try:
        for threshold in sorted({configured, *RANKING_THRESHOLDS}, reverse=True):
            index_module.CONFIDENT_PROBABILITY = threshold
            verdicts = [scorer.verdict(question, ask_in_process(services, question)) for question in facts]
            label = f"{threshold:.2f}{' (set)' if threshold == configured else ''}"
            rows.append(
                [label, share(verdicts), share(verdicts, "answered, detail missing"), share(verdicts, "no answer")]
            )
    finally:
        index_module.CONFIDENT_PROBABILITY = configured
    headers = ["topic threshold", "facts: detail in reply", "answered, detail missing", "no answer"]
    return f"{len(facts)} factual questions, in process (no engine)\n\n" + table(headers, rows)


def knowledge_text(folder: Path | None = None) -> str:
    """Everything knowledge/ states (entries, contacts, figures), as one text: what any reply could contain."""
    root = folder or Settings().knowledge_dir
    return "\n".join(
        path.read_text(encoding="utf-8")
        for part in ("entries", "contacts", "figures")
        for path in sorted((root / part).glob("*.yml"))
    )


def ceiling(questions: list[dict[str, Any]], known: str) -> dict[str, list[str]]:
    """Per language, whether each fact question's detail is stated anywhere in knowledge/: the share a perfect
    answering path could reach with today's sources (a detail no source gives cannot be answered)."""
    found: dict[str, list[str]] = defaultdict(list)
    for question in questions:
        if question["kind"] == "fact":
            stated = any(contains_detail(known, str(expected)) for expected in question.get("expect_any") or [])
            for key in (question["lang"], "all"):
                found[key].append("right" if stated else "unknown")
    return found


def share(values: list[str], verdict: str = "right") -> str:
    return f"{100 * values.count(verdict) / len(values):.1f} %" if values else "–"


def report(verdicts: dict[str, dict[str, list[str]]], known: dict[str, list[str]]) -> str:
    languages = [*sorted(lang for lang in verdicts if lang != "all"), "all"]
    rows = []
    for lang in languages:
        groups = verdicts[lang]
        facts = [v for key, values in groups.items() if key.startswith("fact:") for v in values]
        rows.append(
            [
                lang,
                len(facts) + sum(len(groups[k]) for k in KINDS[1:]),
                share(facts),
                share(known[lang]),
                share(facts, "answered, detail missing"),
                share(groups["fact:office"]),
                share(groups["fact:figure"]),
                share(groups["fact:topic"]),
                share(groups["handoff"]),
                share(groups["refuse"]),
                share(groups["not_covered"]),
                share(groups["ordinary"], "alarm"),
                share(groups["language"]),
            ]
        )
    headers = [
        "language",
        "questions",
        "facts: detail in reply",
        "detail in knowledge/ (ceiling)",
        "answered, detail missing",
        "office",
        "figure",
        "topic",
        "handoff offered",
        "refused",
        "not covered: no answer",
        "ordinary: refused or person offered",
        "reply language",
    ]
    return table(headers, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running service (default: start the stack here on free ports)")
    parser.add_argument("--misses", action="store_true", help="list the questions not answered right (ids only)")
    parser.add_argument(
        "--set",
        choices=["real", "dev"],
        default="real",
        help="real: the held-out set (never tuned to); dev: the development set, whose misses are shown with "
        "question and reply for diagnosis",
    )
    parser.add_argument(
        "--ranking",
        action="store_true",
        help="instead: the factual questions in process with the topic threshold as set and lower (docs/benchmarks.md)",
    )
    args = parser.parse_args()
    questions = load_questions(QUESTIONS.parent / args.set)
    if args.ranking:
        print(ranking(questions))
        return 0
    show = "replies" if args.set == "dev" else ("ids" if args.misses else "")
    started = time.monotonic()
    if args.url:
        verdicts = run(args.url, questions, show)
    else:
        root = Path(tempfile.mkdtemp(prefix="bench-real-"))
        settings = Settings(
            database_url=f"sqlite:///{root / 'bench.db'}",
            office_hours="mon-sun 00:00-24:00",
            conversations_per_hour=100_000,  # one conversation per question, all from 127.0.0.1
        )
        stack = Stack(settings, service_port=free_port(), engine_port=free_port(), log_dir=root / "log")
        print("==> starting the stack (engine and service)", file=sys.stderr)
        stack.start()
        try:
            stack.wait_ready(timeout=300)
            verdicts = run(stack.service_url, questions, show)
        finally:
            stack.stop()
    print(
        f"{len(questions)} questions ({args.set} set) written from official pages "
        f"({time.monotonic() - started:.0f} s)\n"
    )
    print(report(verdicts, ceiling(questions, knowledge_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
