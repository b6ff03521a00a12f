"""Which language the staff pages (console, login, insights) speak, and their strings from knowledge/ui/staff/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from markupsafe import Markup, escape

from bot.infra.errors import AppError
from bot.infra.i18n import Catalog

STAFF_LANGUAGES = ("de", "en")
DEFAULT_STAFF_LANGUAGE = "de"  # advisors and partners in the Ruhr region mostly work in German
QUERY_PARAMETER = "lang"
COOKIE = "staff_lang"
COOKIE_PATH = "/console"
COOKIE_MAX_AGE = 365 * 24 * 3600


def accepted_staff_language(accept_language: str | None) -> str | None:
    """The staff language an Accept-Language header rates highest ("de-DE" counts as "de"; ties: the first)."""
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        tag, *parameters = part.split(";")
        code = tag.strip().split("-")[0].lower()
        if code not in STAFF_LANGUAGES:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, code)
    return best[1] if best else None


def choose_staff_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` wins, then the remembered choice (cookie), then the browser's preference, then German."""
    for chosen in (query, cookie):
        if chosen in STAFF_LANGUAGES:
            return chosen
    return accepted_staff_language(accept_language) or DEFAULT_STAFF_LANGUAGE


def language_of(request: Request) -> str:
    return choose_staff_language(
        request.query_params.get(QUERY_PARAMETER),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


@dataclass(frozen=True)
class StaffLanguage:
    """The chosen language of one request, with what its page needs: texts, the switch links, the cookie."""

    code: str
    catalog: Catalog
    chosen_in_query: bool
    secure_cookie: bool

    def text(self, key: str, **values: object) -> str:
        return self.catalog.text(key, self.code, **values)

    def markup(self, key: str, **values: object) -> Markup:
        """For templates: the text is escaped, and so is each value unless it is Markup already."""
        return escape(self.catalog.text(key, self.code)).format(**values)

    def strings(self, prefix: str) -> dict[str, str]:
        return self.catalog.strings(self.code, prefix)

    def links(self, request: Request) -> list[LanguageLink]:
        """The same page in each staff language, keeping the other query parameters (e.g. the insights filters)."""
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != QUERY_PARAMETER]
        return [
            LanguageLink(
                code=code,
                name=self.catalog.languages[code].name,
                href=f"{request.url.path}?{urlencode([*kept, (QUERY_PARAMETER, code)])}",
                current=code == self.code,
            )
            for code in STAFF_LANGUAGES
        ]

    def remember(self, response: Response) -> Response:
        """A choice made with `?lang=` holds for the following staff pages, which send no parameter."""
        if self.chosen_in_query:
            response.set_cookie(
                COOKIE,
                self.code,
                max_age=COOKIE_MAX_AGE,
                path=COOKIE_PATH,
                samesite="lax",
                httponly=True,
                secure=self.secure_cookie,
            )
        return response


def staff_language(request: Request) -> StaffLanguage:
    return StaffLanguage(
        code=language_of(request),
        catalog=request.app.state.staff_catalog,
        chosen_in_query=request.query_params.get(QUERY_PARAMETER) in STAFF_LANGUAGES,
        secure_cookie=request.app.state.settings.public_url.startswith("https"),
    )


StaffLang = Annotated[StaffLanguage, Depends(staff_language)]


def staff_error_message(request: Request, error: AppError) -> str | None:
    """The console API's errors in the staff language, or None when the catalog has no text for them."""
    catalog: Catalog = request.app.state.staff_catalog
    key = f"console_error_{error.code}"
    if not catalog.has(key):
        return None
    try:
        return catalog.text(key, language_of(request)).format(**error.values)
    except (KeyError, IndexError):  # a placeholder the error did not fill: keep its own message
        return None
