"""The partners' insights: dashboard (admin and partner), CSV export and the monthly report (HTML, PDF)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.console.auth import NotAuthenticated, SessionCodec, require_role
from bot.console.staff_language import QUERY_PARAMETER, StaffLang
from bot.console.templating import render_staff_page
from bot.domain.models import AdvisorRole
from bot.insights import report
from bot.insights.dashboard import Insights, as_csv, collect
from bot.insights.figures import Filters, month_range
from bot.routes.console import AnyLogin, any_login
from bot.routes.deps import Session, get_codec
from bot.routes.schemas import Audience, City, LanguageCode, errors
from bot.understanding.language import SUPPORTED_LANGUAGES

router = APIRouter(
    prefix="/console/insights",
    tags=["insights"],
    responses=errors(401, 403, 422, e401="Not logged in", e403="Only admins and partners read insights"),
)
READERS = (AdvisorRole.ADMIN, AdvisorRole.PARTNER)
FILTER_OPTIONS = {
    "city": ["bochum", "herne", "witten", "hattingen"],
    "audience": ["candidate", "employer"],
    "language": list(SUPPORTED_LANGUAGES),
    "channel": ["web", "telegram"],
}


def insight_filters(
    start: Annotated[date | None, Query(description="First day (default: 30 days ago)")] = None,
    end: Annotated[date | None, Query(description="Last day, inclusive (default: today)")] = None,
    city: City | None = None,
    audience: Audience | None = None,
    language: LanguageCode | None = None,  # type: ignore[valid-type]
    channel: Literal["web", "telegram"] | None = None,
) -> Filters:
    last = end or datetime.now(UTC).date()
    first = start or last - timedelta(days=29)
    if first > last:
        first, last = last, first
    return Filters(
        start=datetime.combine(first, time(), UTC),
        end=datetime.combine(last + timedelta(days=1), time(), UTC),
        city=city,
        audience=audience,
        language=language,
        channel=channel,
    )


WantedFilters = Annotated[Filters, Depends(insight_filters)]


async def _insights(request: Request, session: Session, filters: Filters) -> Insights:
    index = request.app.state.dialogue.knowledge
    return await collect(session, filters, index.kb, index.embedder, datetime.now(UTC).date())


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(
    request: Request,
    session: Session,
    filters: WantedFilters,
    codec: Annotated[SessionCodec, Depends(get_codec)],
    language: StaffLang,
) -> Response:
    try:
        advisor, console_session = await any_login(request, session, codec)
    except NotAuthenticated:
        return language.remember(RedirectResponse("/console/login", status_code=303))  # expired or missing session
    require_role(advisor, *READERS)
    insights = await _insights(request, session, filters)
    context = {
        **report.context(insights, language.text),
        "advisor": advisor,
        "csrf": console_session.csrf,
        "query": urlencode([(k, v) for k, v in request.query_params.multi_items() if k != QUERY_PARAMETER]),
        "last_day": (filters.end - timedelta(days=1)).date().isoformat(),
        "options": FILTER_OPTIONS,
    }
    return render_staff_page(request, language, "insights.html", context)


@router.get("/api/figures", summary="All dashboard figures as JSON (admin, partner)")
async def figures_json(request: Request, session: Session, login: AnyLogin, filters: WantedFilters) -> dict[str, Any]:
    require_role(login[0], *READERS)
    return report.as_json(await _insights(request, session, filters))


@router.get(
    "/export.csv",
    summary="The dashboard figures as CSV (admin, partner)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, one row per figure"}},
)
async def export_csv(request: Request, session: Session, login: AnyLogin, filters: WantedFilters) -> Response:
    require_role(login[0], *READERS)
    insights = await _insights(request, session, filters)
    name = f"glueckauf-insights-{filters.start.date()}-{(filters.end - timedelta(days=1)).date()}.csv"
    return Response(
        as_csv(insights),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/report/{month}.{fmt}",
    summary="Monthly report for the partners (HTML or PDF; admin, partner)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}, "description": "The report"}},
)
async def monthly_report(
    request: Request,
    session: Session,
    login: AnyLogin,
    language: StaffLang,
    month: Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    fmt: Literal["html", "pdf"],
) -> Response:
    require_role(login[0], *READERS)
    start, end = month_range(date.fromisoformat(f"{month}-01"))
    insights = await _insights(request, session, Filters(start=start, end=end))
    if fmt == "pdf":
        pdf = await run_in_threadpool(report.as_pdf, insights, month, language.text)
        return language.remember(
            Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="glueckauf-report-{month}.pdf"'},
            )
        )
    context = {**report.context(insights, language.text), "month": month}
    return render_staff_page(request, language, "insights_report.html", context)
