"""Recognises questions about an office ("phone number of the foreigners' office in Hattingen?", "когда работает
Jobcenter в Херне?") and finds the offices meant: the kind or the particular office named, the details asked for,
the contacts serving the city. Office names and detail words are data (knowledge/i18n/offices.yml), recognised with a
spaCy EntityRuler like the cities, in any script and inflected ("ведомства по делам иностранцев")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import spacy
from spacy.language import Language

from bot.infra.yamlfile import read_yaml
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import Contact
from bot.understanding.signals import TermMatcher
from bot.understanding.text import fold

Detail = Literal["address", "opening_hours", "phone", "email", "appointment_url", "responsible"]
DETAILS: tuple[Detail, ...] = ("address", "opening_hours", "phone", "email", "appointment_url", "responsible")
MAX_OFFICES = 5  # cards in one answer ("international office in Bochum": four universities)


@dataclass(frozen=True)
class OfficeQuestion:
    kind: str | None  # an office kind (contacts' `kind`), or None when one particular office is named
    contact_id: str | None  # the particular office named ("Ruhr-Uni"), if any
    details: tuple[Detail, ...]  # what is asked for, in the order of DETAILS


# French, Italian and Romanian write an elided article joined to the next word ("l'Ausländerbehörde", "dell'IHK",
# "d'Herne"); spaCy keeps "l'ausländerbehörde" as one token, which no office name starts.
_ELISION = re.compile(r"(?<!\w)(\w{1,2}|qu|jusqu|lorsqu|puisqu|dell|all|dall|nell|sull)['\u2019](?=\w)")
# Turkish writes a case ending after an apostrophe on a name ("IHK'ya", "Handwerkskammer'e", "Jobcenter'dan"):
# the name is the word before it.
_SUFFIX = re.compile(r"(?<=\w{3})['\u2019](?=\w{1,5}(?!\w))")


def _names_apart(text: str) -> str:
    """The text with elided articles and case endings split from the names they are written onto."""
    return _SUFFIX.sub(" '", _ELISION.sub(r"\1' ", fold(text)))


# Arabic writes "and", "to", "with", "as" joined to the next word ("لقسم التجنس", "بمكتب الأجانب"): the first word of an
# Arabic-script name may carry them.
_ARABIC_PROCLITICS = "(?:[وف])?(?:[بلك])?"
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


def _token_pattern(nlp: Language, name: str) -> list[dict[str, Any]]:
    """One token pattern per token of the name, tokenised like the messages ("ruhr-universität" is three tokens);
    a word ending in "*" matches every word starting with it ("ausländerbeh*" finds "Ausländerbehörde"); the first
    word of an Arabic-script name also with the particles written joined to it."""
    pattern: list[dict[str, Any]] = []
    for word in _names_apart(name).split():
        prefix = word.endswith("*") and len(word) > 1
        tokens = [token.text for token in nlp.make_doc(word.rstrip("*") if prefix else word)]
        for number, token in enumerate(tokens):
            proclitics = not pattern and _ARABIC_LETTER.match(token) is not None
            open_end = prefix and number == len(tokens) - 1
            if not (proclitics or open_end):
                pattern.append({"LOWER": token})
                continue
            regex = "^" + (_ARABIC_PROCLITICS if proclitics else "") + _regex_escape(token) + ("" if open_end else "$")
            pattern.append({"LOWER": {"REGEX": regex}})
    return pattern


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in r".^$*+?{}[]\|()" else c for c in text)


class OfficeRecognizer:
    def __init__(self, offices_file: Path) -> None:
        data = read_yaml(offices_file) or {}
        self._nlp = spacy.blank("xx")
        ruler = self._nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = [
            {"label": "KIND", "pattern": _token_pattern(self._nlp, str(name)), "id": kind}
            for kind, names in (data.get("kinds") or {}).items()
            for name in names or []
        ]
        patterns += [
            {"label": "OFFICE", "pattern": _token_pattern(self._nlp, str(name)), "id": contact_id}
            for contact_id, names in (data.get("named") or {}).items()
            for name in names or []
        ]
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
        details = data.get("details") or {}
        self._details = {detail: TermMatcher.from_languages(details.get(detail)) for detail in DETAILS}

    def question(self, text: str) -> OfficeQuestion | None:
        """The office question a message asks, if it names an office and asks for one of its details. A message
        naming several kinds ("Bochum Belediyesi Yabancılar Dairesi") means the one named at most length."""
        doc = self._nlp(_names_apart(text))
        details = tuple(detail for detail in DETAILS if self._details[detail].matches(text))
        if not doc.ents or not details:
            return None
        named = [ent for ent in doc.ents if ent.label_ == "OFFICE"]
        if named:
            return OfficeQuestion(None, max(named, key=len).ent_id_, details)
        return OfficeQuestion(max(doc.ents, key=lambda ent: len(ent.text)).ent_id_, None, details)


def _of_kind(kb: KnowledgeBase, kind: str | None) -> list[Contact]:
    return [c for c in kb.contacts.values() if c.kind == kind]


def offices_for(kb: KnowledgeBase, question: OfficeQuestion, city: str | None) -> list[Contact]:
    """The offices a question means for the city (None: unknown). Every office of the kind when they are the same
    for everyone or the city is unknown; the caller asks for the city when `needs_city` says so."""
    if question.contact_id:
        found = kb.contacts.get(question.contact_id)
        return [found] if found else []
    of_kind = _of_kind(kb, question.kind)
    if city is None:
        return of_kind
    return [c for c in of_kind if c.serves_city(city)]


def needs_city(kb: KnowledgeBase, question: OfficeQuestion) -> bool:
    """Whether the office differs between our cities (the Ausländerbehörde does, the IHK does not)."""
    if question.contact_id:
        return False
    of_kind = _of_kind(kb, question.kind)
    return len(of_kind) > 1 and any(c.city != "region" or c.serves for c in of_kind)
