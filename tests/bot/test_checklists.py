"""The employers' checklist downloads as printable HTML and as PDF."""

from __future__ import annotations

from fastapi.testclient import TestClient

CHECKLIST = "hiring-from-third-country"


def test_checklist_is_listed(client: TestClient) -> None:
    ids = [c["id"] for c in client.get("/checklists").json()]
    assert CHECKLIST in ids


def test_checklist_as_html_in_german_with_the_city_office(client: TestClient) -> None:
    response = client.get(f"/checklists/{CHECKLIST}.html", params={"language": "de", "city": "witten"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="de" dir="ltr">' in html
    assert html.count("<li>") >= 7  # recognition … onboarding
    assert "Zuständig" in html and "Quellen" in html and "https://" in html


def test_checklist_as_pdf(client: TestClient) -> None:
    response = client.get(f"/checklists/{CHECKLIST}.pdf", params={"language": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2000


def test_unknown_checklist_and_language(client: TestClient) -> None:
    assert client.get("/checklists/nope.pdf").json()["error"]["code"] == "checklist_not_found"
    assert client.get(f"/checklists/{CHECKLIST}.html", params={"language": "xx"}).status_code == 422
