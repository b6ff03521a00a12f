"""Staff pages (console, login, insights) in German or English: the choice, the catalogs, the pages' texts."""

from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient

from bot.console.staff_language import COOKIE, accepted_staff_language, choose_staff_language
from bot.domain.models import AdvisorRole
from bot.infra.i18n import Catalog
from bot.infra.settings import PROJECT_ROOT, Settings
from tests.factories import PASSWORD, add_advisor, csrf_token

STAFF_CATALOG = Settings().knowledge_dir / "ui" / "staff"
PLACEHOLDER = re.compile(r"\{\w+\}")
ENGLISH = {"Accept-Language": "en"}


def log_in(client: TestClient, settings: Settings, role: AdvisorRole) -> None:
    email = asyncio.run(add_advisor(settings, f"{role.value}@example.org", role))
    assert (
        client.post("/console/login", data={"email": email, "password": PASSWORD}, follow_redirects=False).status_code
        == 303
    )


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"),
        ("fr-FR,fr;q=0.9,en;q=0.5,de;q=0.4", "en"),
        ("uk, de;q=0.3, en;q=0.6", "en"),
        ("en;q=0, de;q=0.1", "de"),  # q=0 means "not this one"
        ("EN-us", "en"),
        ("fr, tr", None),
        ("*", None),
        ("en;q=abc, de;q=0.2", "de"),
    ],
)
def test_accept_language_picks_the_best_staff_language(header: str | None, expected: str | None) -> None:
    assert accepted_staff_language(header) == expected


def test_query_beats_cookie_beats_header_beats_german() -> None:
    assert choose_staff_language("en", "de", "de") == "en"
    assert choose_staff_language(None, "en", "de") == "en"
    assert choose_staff_language("fr", None, "en") == "en"  # an unsupported choice is ignored
    assert choose_staff_language(None, "xx", None) == "de"
    assert choose_staff_language(None, None, "tr, ar") == "de"


# ---------------------------------------------------------------- the catalogs


def test_german_and_english_staff_catalogs_have_the_same_keys_and_placeholders() -> None:
    catalog = Catalog.load(STAFF_CATALOG)
    assert set(catalog.languages) == {"de", "en"}
    assert catalog.missing_keys("en") == {} and catalog.missing_keys("de") == {}
    assert all(info.reviewed for info in catalog.languages.values())
    assert [catalog.languages[code].name for code in ("de", "en")] == ["Deutsch", "English"]
    german, english = catalog.strings("de"), catalog.strings("en")
    for key, template in english.items():
        assert re.fullmatch(r"(console|login|insights)_[a-z0-9_]+", key), key
        assert sorted(PLACEHOLDER.findall(german[key])) == sorted(PLACEHOLDER.findall(template)), key


def test_every_key_the_pages_use_is_in_the_catalog() -> None:
    """Literal keys in templates, console.js and the report code; dynamic ones (roles, filters) by their values."""
    keys = set(Catalog.load(STAFF_CATALOG).strings("en"))
    sources = [
        *(PROJECT_ROOT / "bot" / "templates").glob("*.html"),
        PROJECT_ROOT / "bot" / "static" / "console.js",
        PROJECT_ROOT / "bot" / "insights" / "report.py",
        PROJECT_ROOT / "bot" / "routes" / "console.py",
    ]
    used = {
        key
        for path in sources
        for key in re.findall(r"""["']((?:console|login|insights)_[a-z0-9_]*[a-z0-9])["']""", path.read_text())
    }
    used |= {f"console_role_{role.value}" for role in AdvisorRole}
    used |= {f"insights_filter_{name}" for name in ("city", "audience", "language", "channel")}
    used |= {f"insights_audience_{audience}" for audience in ("candidate", "employer")}
    used |= {f"insights_chart_{chart}" for chart in ("topics_by_city", "unanswered", "languages", "thumbs_down")}
    assert "console_js_done" in used and "login_error_wrong_credentials" in used
    assert used - keys == set()


def test_user_and_staff_catalogs_stay_apart() -> None:
    """knowledge/ui/*.yml are the users' languages; the staff catalogs in ui/staff/ are not picked up there."""
    users = Catalog.load(Settings().knowledge_dir / "ui")
    assert not users.has("console_heading") and "login_submit" not in users.strings("de")


# ---------------------------------------------------------------- the pages


def test_german_without_a_header(client: TestClient) -> None:
    page = client.get("/console/login")
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert "Glückauf · Anmeldung zur Beratungskonsole" in page.text and ">Anmelden</button>" in page.text
    assert '<label for="email">E-Mail-Adresse</label>' in page.text  # labels stay tied to their inputs
    assert "<code>python -m bot advisor add</code>" in page.text  # markup in a value, not in the catalog
    assert 'aria-current="true">Deutsch</a>' in page.text and 'href="/console/login?lang=en"' in page.text
    assert COOKIE not in page.headers.get("set-cookie", "")


def test_english_when_the_browser_prefers_it(client: TestClient) -> None:
    page = client.get("/console/login", headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
    assert '<html lang="en">' in page.text and ">Log in</button>" in page.text
    assert 'aria-current="true">English</a>' in page.text


def test_query_parameter_wins_and_is_remembered(client: TestClient) -> None:
    chosen = client.get("/console/login", params={"lang": "en"}, headers={"Accept-Language": "de"})
    assert '<html lang="en">' in chosen.text and ">Log in</button>" in chosen.text
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=en;") and "Path=/console" in cookie
    assert "SameSite=lax" in cookie and "HttpOnly" in cookie

    later = client.get("/console/login", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in later.text and "set-cookie" not in later.headers

    back = client.get("/console/login", params={"lang": "de"})
    assert '<html lang="de">' in back.text and client.cookies.get(COOKIE) == "de"


def test_login_error_in_the_chosen_language(client: TestClient, settings: Settings) -> None:
    email = asyncio.run(add_advisor(settings, "a@example.org", AdvisorRole.ADVISOR))
    wrong = {"email": email, "password": "not the password"}
    german = client.post("/console/login", data=wrong)
    assert german.status_code == 401
    assert '<p class="error" role="alert">E-Mail-Adresse oder Passwort ist falsch.</p>' in german.text
    english = client.post("/console/login", data=wrong, headers=ENGLISH)
    assert english.status_code == 401 and "E-mail or password is wrong." in english.text


def test_console_page_and_its_script_strings(client: TestClient, settings: Settings) -> None:
    log_in(client, settings, AdvisorRole.ADVISOR)
    page = client.get("/console").text
    assert '<html lang="de">' in page and "<h1>Glückauf-Beratungskonsole</h1>" in page
    assert ">Übernehmen</button>" in page and '<label for="reply">Antwort an die ratsuchende Person</label>' in page
    assert "advisor (Beratung) · Sprachen:" in page
    assert '"console_js_done": "Erledigt."' in page and '"console_js_no_city": "keine Stadt"' in page
    english = client.get("/console", params={"lang": "en"}).text
    assert '"console_js_done": "Done."' in english and ">Claim</button>" in english


def test_console_api_errors_in_the_staff_language(client: TestClient, settings: Settings) -> None:
    log_in(client, settings, AdvisorRole.ADVISOR)
    csrf = {"x-csrf-token": csrf_token(client)}
    german = client.post("/console/api/conversations/nope/claim", headers=csrf)
    assert german.status_code == 404
    assert german.json()["error"] == {
        "code": "conversation_not_found",
        "message": "Es gibt kein Gespräch mit dieser ID.",
    }
    english = client.post("/console/api/conversations/nope/claim", headers={**csrf, **ENGLISH})
    assert english.json()["error"]["message"] == "There is no conversation with this id."
    forbidden = client.post("/console/api/conversations/nope/claim")  # no CSRF token
    assert forbidden.status_code == 403 and "Formular ist abgelaufen" in forbidden.json()["error"]["message"]


def test_insights_page_in_german_keeps_filters_when_switching(client: TestClient, settings: Settings) -> None:
    log_in(client, settings, AdvisorRole.PARTNER)
    page = client.get("/console/insights", params={"start": "2026-11-01", "end": "2026-11-30", "city": "herne"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="de">' in html and "<h1>Glückauf-Auswertungen</h1>" in html
    assert "partner (Partnerorganisation)" in html
    for label in ("Überblick", "Hürden pro Stadt", "Diagramme", ">Anwenden</button>", "CSV herunterladen"):
        assert label in html, label
    assert '<option value="">alle</option>' in html and ">Ratsuchende</option>" in html
    assert "<label>Stadt" in html and "<label>Von " in html
    assert "Weniger als fünf Gespräche entsprechen den Filtern" in html  # nothing seeded: the empty state
    assert "Fragen pro Thema und Stadt: keine Daten" in html
    assert 'href="/console/insights?start=2026-11-01&amp;end=2026-11-30&amp;city=herne&amp;lang=en"' in html

    assert 'href="/console/insights/export.csv?start=2026-11-01&amp;end=2026-11-30&amp;city=herne"' in html

    english = client.get("/console/insights", params={"lang": "en"}).text
    assert 'href="/console/insights/export.csv" download' in english
    assert "Barriers per city" in english and '<option value="">all</option>' in english


def test_monthly_report_in_german(client: TestClient, settings: Settings) -> None:
    log_in(client, settings, AdvisorRole.PARTNER)
    report = client.get("/console/insights/report/2026-11.html")
    assert "Glückauf – Monatsbericht 2026-11" in report.text and ">PDF-Fassung</a>" in report.text
    pdf = client.get("/console/insights/report/2026-11.pdf", params={"lang": "en"})
    assert pdf.content.startswith(b"%PDF-") and pdf.cookies.get(COOKIE) == "en"
