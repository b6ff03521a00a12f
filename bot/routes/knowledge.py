"""Knowledge downloads: the employers' checklists as printable HTML and as PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.domain.dialogue import DialogueServices
from bot.infra.errors import AppError
from bot.knowledge.checklists import checklist_html, checklist_pdf
from bot.knowledge.schema import Checklist
from bot.routes.deps import get_services
from bot.routes.schemas import City, LanguageCode, errors

router = APIRouter(prefix="/checklists", tags=["knowledge"], responses=errors(422))
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}, "description": "PDF"}


class ChecklistNotFound(AppError):
    status_code = 404
    code = "checklist_not_found"
    message = "There is no checklist with this id."


Services = Annotated[DialogueServices, Depends(get_services)]
Language = Annotated[LanguageCode, Query(description="Language of the page")]
CityQuery = Annotated[City | None, Query(description="Show only this city's offices")]


def find(services: DialogueServices, checklist_id: str) -> Checklist:
    checklist = services.knowledge.kb.checklists.get(checklist_id)
    if checklist is None:
        raise ChecklistNotFound()
    return checklist


@router.get("", summary="Available checklists")
async def list_checklists(services: Services) -> list[dict[str, str]]:
    return [
        {
            "id": c.id,
            "title": c.title.get("en") or next(iter(c.title.values())),
            "html": f"/checklists/{c.id}.html",
            "pdf": f"/checklists/{c.id}.pdf",
        }
        for c in services.knowledge.kb.checklists.values()
    ]


@router.get(
    "/{checklist_id}.html",
    response_class=HTMLResponse,
    summary="Checklist as a printable page",
    responses=errors(404, 422, html=True, e404="Unknown checklist"),
)
async def checklist_page(
    checklist_id: str, services: Services, language: Language = "de", city: CityQuery = None
) -> HTMLResponse:
    checklist = find(services, checklist_id)
    html = checklist_html(checklist, services.knowledge.kb, services.catalog, language, city)
    return HTMLResponse(html)


@router.get(
    "/{checklist_id}.pdf",
    summary="Checklist as PDF",
    response_class=Response,
    responses={200: PDF, **errors(404, e404="Unknown checklist")},
)
async def checklist_document(
    checklist_id: str, services: Services, language: Language = "de", city: CityQuery = None
) -> Response:
    checklist = find(services, checklist_id)
    pdf = await run_in_threadpool(checklist_pdf, checklist, services.knowledge.kb, services.catalog, language, city)
    filename = f"{checklist_id}-{language}{'-' + city if city else ''}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
