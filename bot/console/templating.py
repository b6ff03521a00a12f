"""Jinja2 templates of the service's HTML pages (autoescaped)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.console.staff_language import StaffLanguage

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)


def render_staff_page(
    request: Request, language: StaffLanguage, name: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A console, login or insights page in the staff language: `t(key, **values)` in the template, the
    language switch links, and the cookie that remembers a `?lang=` choice."""
    page_context = {**context, "t": language.markup, "lang": language.code, "language_links": language.links(request)}
    response = templates.TemplateResponse(request, name, page_context, status_code=status_code)
    language.remember(response)
    return response
