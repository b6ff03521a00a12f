"""The employers' "digital folder": a checklist as a printable HTML page or a PDF, per language and city."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.infra.i18n import Catalog
from bot.infra.pdf import PdfDocument
from bot.knowledge.answer import contact_card, localised
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import CITY_IDS, Checklist, ChecklistStep, Source

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class RenderedStep:
    title: str
    text: str
    contacts: list[str]
    sources: list[Source]


def render_steps(
    checklist: Checklist, kb: KnowledgeBase, catalog: Catalog, language: str, city: str | None
) -> list[RenderedStep]:
    return [
        RenderedStep(
            title=localised(step.title, language),
            text=localised(step.text, language),
            contacts=[contact_card(kb.contacts[cid], catalog, language) for cid in _contact_ids(step, city)],
            sources=step.sources,
        )
        for step in checklist.steps
    ]


def _contact_ids(step: ChecklistStep, city: str | None) -> list[str]:
    """The office for the city; without a city, every city's office (the folder then serves all four)."""
    if "all" in step.contacts:
        return [step.contacts["all"]]
    if city:
        return [step.contacts[city]] if city in step.contacts else []
    return list(dict.fromkeys(step.contacts[c] for c in CITY_IDS if c in step.contacts))


def checklist_html(checklist: Checklist, kb: KnowledgeBase, catalog: Catalog, language: str, city: str | None) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    info = catalog.languages.get(language)
    return environment.get_template("checklist.html").render(
        language=language,
        direction=info.direction if info else "ltr",
        title=localised(checklist.title, language),
        intro=localised(checklist.intro, language),
        steps=render_steps(checklist, kb, catalog, language, city),
        labels={
            "responsible": catalog.text("label_responsible", language),
            "sources": catalog.text("label_sources", language),
            "last_checked": catalog.text("label_last_checked", language),
        },
        last_verified=checklist.last_verified.isoformat(),
        city=city.capitalize() if city else None,
    )


def checklist_pdf(checklist: Checklist, kb: KnowledgeBase, catalog: Catalog, language: str, city: str | None) -> bytes:
    pdf = PdfDocument(localised(checklist.title, language))
    pdf.write(localised(checklist.title, language), 16, 4)
    pdf.write(localised(checklist.intro, language), 10, 4)
    for number, step in enumerate(render_steps(checklist, kb, catalog, language, city), start=1):
        pdf.write(f"{number}. {step.title}", 12)
        pdf.write(step.text, 10)
        for card in step.contacts:
            pdf.write(f"{catalog.text('label_responsible', language)}\n{card}", 9)
        sources = " · ".join(f"{s.title}: {s.url}" for s in step.sources)
        pdf.write(f"{catalog.text('label_sources', language)}: {sources}", 8, 5)
    pdf.write(f"{catalog.text('label_last_checked', language)}: {checklist.last_verified.isoformat()}", 8)
    return pdf.output()
