"""Loads knowledge/ into a KnowledgeBase and checks it: schema, languages, sources, contacts, age."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.infra.yamlfile import read_yaml
from bot.knowledge.schema import (
    CHECKLIST_LANGUAGES,
    CITY_IDS,
    CONTACT_FIELDS,
    REQUIRED_LANGUAGES,
    Checklist,
    Contact,
    ContactField,
    Entry,
    Figure,
    Menu,
)

_PROSE = re.compile(r"[:;()]")  # in an address: a label, a second site or a remark

WARN_AFTER_DAYS = 180
FAIL_AFTER_DAYS = 365
Item = TypeVar("Item", Entry, Contact, Checklist, Figure)
Model = TypeVar("Model", bound=BaseModel)
MENU = "i18n/menu.yml"  # steers the bot, states no fact: beside the other lists that cite no source


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    menu: Menu = field(default_factory=Menu)


def load_knowledge(directory: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Everything that validates, plus a problem for each file that does not."""
    problems: list[Problem] = []
    kb = KnowledgeBase(
        entries=_load_folder(directory / "entries", Entry, problems),
        contacts=_load_folder(directory / "contacts", Contact, problems),
        checklists=_load_folder(directory / "checklists", Checklist, problems),
        figures=_load_folder(directory / "figures", Figure, problems),
    )
    menu = directory / MENU
    if menu.exists():
        kb.menu = _load(menu, Menu, problems) or Menu()
    return kb, problems


def _load_folder(folder: Path, model: type[Item], problems: list[Problem]) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for path in sorted(folder.glob("*.yml")):
        item = _load(path, model, problems)
        if item is None:
            continue
        if item.id != path.stem:
            problems.append(Problem(str(path), f"id {item.id!r} differs from the file name"))
        if item.id in items:
            problems.append(Problem(str(path), f"duplicate id {item.id!r}"))
        items[item.id] = item
    return items


def _load(path: Path, model: type[Model], problems: list[Problem]) -> Model | None:
    try:
        raw = read_yaml(path)
        return model.model_validate(raw)
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), f"not valid YAML: {exc}"))
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            problems.append(Problem(str(path), f"{where}: {error['msg']}"))
    return None


def check_knowledge(kb: KnowledgeBase, today: date) -> list[Problem]:
    """Rules beyond the schema; errors fail `make kb-check`, warnings are printed."""
    problems: list[Problem] = []
    for entry in kb.entries.values():
        where = f"entries/{entry.id}.yml"
        for lang in REQUIRED_LANGUAGES:
            if lang not in entry.answer:
                problems.append(Problem(where, f"answer in {lang!r} missing"))
            if not entry.questions.get(lang):
                problems.append(Problem(where, f"question variants in {lang!r} missing"))
        problems += _unchecked_reviews(where, {lang: t.reviewed for lang, t in entry.answer.items()})
        for number, fact in enumerate(entry.facts, 1):
            missing = [lang for lang in REQUIRED_LANGUAGES if not fact.text.get(lang)]
            if missing:
                problems.append(Problem(where, f"fact {number} in {', '.join(missing)} missing"))
            problems += _unchecked_reviews(where, fact.reviewed)
        problems += _dangling(where, entry.contacts, kb)
        problems += [Problem(where, f"figure {f!r} does not exist") for f in entry.figures if f not in kb.figures]
        if entry.checklist and entry.checklist not in kb.checklists:
            problems.append(Problem(where, f"checklist {entry.checklist!r} does not exist"))
        if entry.city_specific:
            missing = [c for c in CITY_IDS if entry.serves(c) and not entry.contact_for(c)]
            if missing:
                problems.append(Problem(where, f"city-specific but no contact for {', '.join(missing)}"))
        problems += _age(where, entry.last_verified, today)
    for contact in kb.contacts.values():
        where = f"contacts/{contact.id}.yml"
        # A contact card is part of every answer that names the office: in the user's language, like the answer.
        texts_by_key = {
            "name": contact.name,
            "address_note": contact.address_note,
            "opening_hours_note": contact.opening_hours_note,
            "appointment_note": contact.appointment_note,
        }
        for key, texts in texts_by_key.items():
            missing = [lang for lang in REQUIRED_LANGUAGES if texts and not texts.get(lang)]
            if missing:
                problems.append(Problem(where, f"{key} in {', '.join(missing)} missing"))
        if contact.address and _PROSE.search(contact.address):
            # Everything but street, number and town is text users read: it belongs in address_note, translated.
            problems.append(Problem(where, "address is the postal address only; put the rest in address_note"))
        problems += _unchecked_reviews(where, contact.reviewed)
        problems += _age(where, contact.source.read, today)
        problems += _completeness(where, contact)
    for checklist in kb.checklists.values():
        where = f"checklists/{checklist.id}.yml"
        for step in checklist.steps:
            problems += _dangling(f"{where} step {step.id}", step.contacts, kb)
            for lang in CHECKLIST_LANGUAGES:
                if lang not in step.title or lang not in step.text:
                    problems.append(Problem(where, f"step {step.id}: {lang!r} missing"))
        problems += _age(where, checklist.last_verified, today)
    for figure in kb.figures.values():
        problems += _figure_problems(f"figures/{figure.id}.yml", figure, today)
    return problems + _menu_problems(kb)


def _completeness(where: str, contact: Contact) -> list[Problem]:
    """Every detail a question can ask for is either on the card or recorded as not stated by the source."""
    problems = []
    for name in CONTACT_FIELDS:
        if contact.has(name) and name in contact.not_in_source:
            problems.append(Problem(where, f"{name} is given but listed in not_in_source"))
        elif not contact.has(name) and name not in contact.not_in_source:
            problems.append(Problem(where, f"{name} missing: add it from the source or list it in not_in_source"))
    return problems


RUNS_OUT_SOON_DAYS = 31


def _figure_problems(where: str, figure: Figure, today: date) -> list[Problem]:
    """Values must not overlap; a figure whose last value runs out within a month, or has run out, is reported so the
    next value gets added (until then the bot says it has no sourced value for the year)."""
    problems = [Problem(where, f"label in {lang!r} missing") for lang in REQUIRED_LANGUAGES if lang not in figure.label]
    values = sorted(figure.values, key=lambda v: v.valid_from)
    for earlier, later in itertools.pairwise(values):
        if earlier.valid_until is None or earlier.valid_until >= later.valid_from:
            problems.append(Problem(where, f"values from {earlier.valid_from} and {later.valid_from} overlap"))
    last = values[-1]
    if figure.value_on(today) is None:
        problems.append(
            Problem(
                where,
                f"no value valid today: the last one ran out on {last.valid_until}; the bot says it has no sourced "
                "value for this year and gives the last one with its period: add the new value",
                "warning",
            )
        )
    elif last.valid_until and (last.valid_until - today).days < RUNS_OUT_SOON_DAYS:
        problems.append(
            Problem(where, f"the last value runs out on {last.valid_until}: add the next one once published", "warning")
        )
    problems += [
        Problem(where, "a value's validity ends before it starts")
        for v in values
        if v.valid_until and v.valid_until < v.valid_from
    ]
    return problems


def completeness_table(kb: KnowledgeBase) -> list[list[str]]:
    """Per contact and detail: "yes", "not in source" (the official page states nothing about it) or "MISSING";
    for booking without a link, "how to book" when the source says how (phone, e-mail, walk-in)."""
    return [
        [contact.id, *(_detail_state(contact, name) for name in CONTACT_FIELDS)]
        for contact in sorted(kb.contacts.values(), key=lambda c: c.id)
    ]


def _detail_state(contact: Contact, name: ContactField) -> str:
    if contact.has(name):
        return "yes"
    if name == "appointment_url" and contact.appointment_note:
        return "how to book"
    return "not in source" if name in contact.not_in_source else "MISSING"


def _menu_problems(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    for audience in ("candidate", "employer"):
        topics: list[str] = getattr(kb.menu, audience)
        if not topics:
            problems.append(Problem(MENU, f"no topics for {audience}s: 'I need help' gets no buttons", "warning"))
        for entry_id in topics:
            found = kb.entries.get(entry_id)
            if found is None:
                problems.append(Problem(MENU, f"{audience}: entry {entry_id!r} does not exist"))
            elif audience not in found.audience:
                problems.append(Problem(MENU, f"{audience}: entry {entry_id!r} is not for that audience"))
    return problems


def _unchecked_reviews(where: str, reviewed: dict[str, bool]) -> list[Problem]:
    return [
        Problem(where, f"{lang}: only a native speaker's check may set reviewed: true", "warning")
        for lang, checked in reviewed.items()
        if checked and lang not in ("de", "en")
    ]


def _dangling(where: str, contacts: dict[str, str], kb: KnowledgeBase) -> list[Problem]:
    return [Problem(where, f"contact {cid!r} does not exist") for cid in contacts.values() if cid not in kb.contacts]


def _age(where: str, verified: date, today: date) -> list[Problem]:
    days = (today - verified).days
    if days > FAIL_AFTER_DAYS:
        return [Problem(where, f"last verified {days} days ago (limit {FAIL_AFTER_DAYS})")]
    if days > WARN_AFTER_DAYS:
        return [Problem(where, f"last verified {days} days ago; check it again soon", "warning")]
    if days < 0:
        return [Problem(where, "verification date lies in the future")]
    return []
