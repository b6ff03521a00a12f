"""The schema of knowledge/ (entries, contacts, checklists, the topic menu): pydantic models, validated by
`make kb-check`."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from bot.understanding.language import SUPPORTED_LANGUAGES

CITY_IDS = ("bochum", "herne", "witten", "hattingen")
MAX_ANSWER_CHARS = 700
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    url: HttpUrl
    title: str = Field(min_length=3)
    read: date


class Translation(Strict):
    text: str = Field(min_length=20, max_length=MAX_ANSWER_CHARS)
    reviewed: bool


MAX_FACT_CHARS = 220


class Fact(Strict):
    """A detail people ask about that the answer has no room for ("Integrationskurs: insgesamt 700
    Unterrichtsstunden"), stated under the answer in the user's language, with the page that says it."""

    text: dict[str, str]
    reviewed: dict[str, bool] = Field(default_factory=dict)
    source: Source

    @field_validator("text")
    @classmethod
    def _short(cls, value: dict[str, str]) -> dict[str, str]:
        for lang, text in value.items():
            if not 10 <= len(text) <= MAX_FACT_CHARS:
                raise ValueError(f"{lang}: a fact has 10 to {MAX_FACT_CHARS} characters, not {len(text)}")
        return value


ENTRY_ID_LIMIT = 40  # "/ask_question{"entry":"<id>"}" must fit Telegram's 64-byte callback data


class Entry(Strict):
    id: str
    topic: str
    audience: list[Literal["candidate", "employer"]] = Field(min_length=1)
    cities: Literal["all"] | list[Literal["bochum", "herne", "witten", "hattingen"]]
    city_specific: bool = False
    contacts: dict[str, str] = Field(default_factory=dict)
    checklist: str | None = None  # a checklist ("digital folder") the answer links to
    figures: list[str] = Field(default_factory=list)  # figures (figures/<id>.yml) stated with the answer
    answer: dict[str, Translation]
    facts: list[Fact] = Field(default_factory=list)  # details under the answer, each with its own source
    questions: dict[str, list[str]]
    # Questions asking for one of the facts ("How long does the bank have to answer?"): examples of the detail
    # matcher only; as the topic matcher's examples they pulled topic questions to neighbouring entries.
    detail_questions: dict[str, list[str]] = Field(default_factory=dict)
    sources: list[Source] = Field(min_length=1)
    last_verified: date

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("ids are kebab-case: lower-case letters, digits and hyphens")
        if len(value) > ENTRY_ID_LIMIT:
            raise ValueError(f"entry ids have at most {ENTRY_ID_LIMIT} characters (they travel in Telegram buttons)")
        return value

    @field_validator("contacts")
    @classmethod
    def _contact_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - {"all", *CITY_IDS}
        if unknown:
            raise ValueError(f"contact keys must be `all` or a city id, not {sorted(unknown)}")
        return value

    def contact_for(self, city: str | None) -> str | None:
        return self.contacts.get(city or "") or self.contacts.get("all")

    def source_for(self, city: str | None) -> Source:
        """The source to show: one about the user's city when the entry has it (witten.de for Witten)."""
        if city:
            for source in self.sources:
                if city in str(source.url).casefold() or city in source.title.casefold():
                    return source
        return self.sources[0]

    def serves(self, city: str | None) -> bool:
        return self.cities == "all" or city is None or city in self.cities


class OpeningHours(Strict):
    days: list[Day] = Field(min_length=1)
    opens: str
    closes: str

    @field_validator("opens", "closes")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("times are HH:MM (24 h)")
        return value


OfficeKind = Literal[
    "auslaenderbehoerde",
    "buergerbuero",
    "naturalisation-office",
    "housing-office",
    "jobcenter",
    "agentur-fuer-arbeit",
    "employer-service",
    "welcome-office",
    "vhs",
    "integration-centre",
    "ihk",
    "hwk",
    "international-office",
    "housing-company",
    "familienkasse",
    "driving-licence-office",
    "refugee-counselling",
    "childcare",
    "recognition",
    "zfe",
    "regional-agency",
    "hotline",
    "emergency",
]
# The fields of an office card a question can ask for; `not_in_source` lists those its source states nothing about,
# so that a gap is known (make kb-check prints the table), not forgotten.
ContactField = Literal["address", "phone", "email", "opening_hours", "appointment_url"]
CONTACT_FIELDS: tuple[ContactField, ...] = ("address", "phone", "email", "opening_hours", "appointment_url")


class Contact(Strict):
    id: str
    name: dict[str, str]
    kind: OfficeKind
    city: Literal["bochum", "herne", "witten", "hattingen", "region"]
    # The cities whose residents this office serves (default: its own city; all four for `region`): the Kreis
    # authority in Schwelm serves Hattingen, the Agentur für Arbeit Hagen serves Witten and Hattingen.
    serves: list[Literal["bochum", "herne", "witten", "hattingen"]] = Field(default_factory=list)
    address: str | None = None  # the postal address only: street, number, town (names are not translated)
    address_note: dict[str, str] = Field(default_factory=dict)  # per language: which site, floor, other sites
    opening_hours: list[OpeningHours] = Field(default_factory=list)
    opening_hours_note: dict[str, str] = Field(default_factory=dict)
    phone: str | None = None
    email: str | None = None
    website: HttpUrl | None = None
    appointment_url: HttpUrl | None = None  # online booking, where the office has it
    # per language: how to get an appointment as the source says (by phone or e-mail, how far ahead, walk-in times)
    appointment_note: dict[str, str] = Field(default_factory=dict)
    handles: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    source: Source
    more_sources: list[Source] = Field(default_factory=list)  # further pages the card's facts come from
    not_in_source: list[ContactField] = Field(default_factory=list)
    # Languages whose name and notes a person has checked against the source; the others are translations.
    reviewed: dict[str, bool] = Field(default_factory=dict)

    def serves_city(self, city: str) -> bool:
        if self.serves:
            return city in self.serves
        return self.city == "region" or self.city == city

    def has(self, field: ContactField) -> bool:
        return bool(getattr(self, field))


class FigureValue(Strict):
    """One value of a figure and the period it is valid for, with its source."""

    value: float
    valid_from: date
    valid_until: date | None = None  # open: valid until further notice (a statutory deadline)
    # False: the source states the value but not since when; `valid_from` is then the day it was read, and the bot
    # says "as of" that day instead of "since".
    start_known: bool = True
    source: Source

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Figure(Strict):
    """A threshold, fee or deadline that changes over time (the Blue Card salary, the minimum wage): the bot states
    the value valid today and its period, or the one for the year asked about."""

    id: str
    label: dict[str, str]  # per language: "Mindestgehalt Blaue Karte EU (brutto pro Jahr)"
    unit: Literal["eur", "eur_per_year", "eur_per_hour", "days", "weeks", "months", "percent"]
    values: list[FigureValue] = Field(min_length=1)
    note: dict[str, str] = Field(default_factory=dict)  # per language, optional: what the figure applies to

    def value_on(self, day: date) -> FigureValue | None:
        return next((v for v in self.values if v.valid_on(day)), None)

    def value_in_year(self, year: int) -> FigureValue | None:
        """The value valid for most of that year (the latest one starting in it, else the one running into it)."""
        start, end = date(year, 1, 1), date(year, 12, 31)
        overlapping = [
            v for v in self.values if v.valid_from <= end and (v.valid_until is None or v.valid_until >= start)
        ]
        return max(overlapping, key=lambda v: v.valid_from) if overlapping else None


class ChecklistStep(Strict):
    id: str
    title: dict[str, str]
    text: dict[str, str]
    contacts: dict[str, str] = Field(default_factory=dict)
    sources: list[Source] = Field(min_length=1)


class Checklist(Strict):
    id: str
    title: dict[str, str]
    intro: dict[str, str]
    steps: list[ChecklistStep] = Field(min_length=1)
    last_verified: date


REQUIRED_LANGUAGES = SUPPORTED_LANGUAGES
CHECKLIST_LANGUAGES = ("de", "en")


class Menu(Strict):
    """i18n/menu.yml: the entries offered as buttons, in this order, to someone asking for help without a topic ("I need
    help", "what can you do?"), per audience."""

    candidate: list[str] = Field(default_factory=list, max_length=8)
    employer: list[str] = Field(default_factory=list, max_length=8)
