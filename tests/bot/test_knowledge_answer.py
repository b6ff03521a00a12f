"""The answer shows the source about the user's city when the entry has one, and the office card in the user's
language."""

from __future__ import annotations

from datetime import date

from bot.domain.answering import checklist_links
from bot.infra.i18n import Catalog, catalog_for
from bot.infra.settings import Settings
from bot.knowledge.answer import asked_year, compose_answer, contact_card, figure_text
from bot.knowledge.schema import Contact, Entry, Figure
from tests.factories import SOURCE, contact, entry

WITTEN = {
    "url": "https://www.witten.de/buergerberatung",
    "title": "Stadt Witten – Bürgerberatung",
    "read": "2026-11-20",
}
BOCHUM = {"url": "https://www.bochum.de/anmeldung", "title": "Stadt Bochum – Anmeldung", "read": "2026-11-20"}


def test_source_for_the_users_city_else_the_first() -> None:
    registration = Entry.model_validate(entry("address-registration", {"en": ["q"]}, sources=[BOCHUM, WITTEN]))
    assert str(registration.source_for("witten").url) == WITTEN["url"]
    assert str(registration.source_for("herne").url) == BOCHUM["url"]
    assert str(registration.source_for(None).url) == BOCHUM["url"]


def test_an_answer_links_its_checklist_for_the_users_language_and_city() -> None:
    hiring = Entry.model_validate(entry("hiring", {"en": ["q"]}, checklist="hiring-abroad"))
    catalog = Catalog.load(Settings().knowledge_dir / "ui")
    links = checklist_links("https://bot.example.org/", "hiring-abroad", "ru", "herne")
    assert links == (
        "https://bot.example.org/checklists/hiring-abroad.html?language=ru&city=herne",
        "https://bot.example.org/checklists/hiring-abroad.pdf?language=ru&city=herne",
    )
    text = compose_answer(hiring, None, catalog, "ru", "herne", links)
    assert "Чек-лист для работодателей (веб-страница и PDF):\n" + links[0] + "\nPDF: " + links[1] in text
    assert checklist_links("https://bot.example.org", "x", "de", None)[0].endswith("/checklists/x.html?language=de")


def test_the_card_keeps_the_postal_address_and_translates_the_note_under_it() -> None:
    office = Contact.model_validate(
        contact("office", address="Marktstraße 16, Witten", address_note={"de": "Im Untergeschoss", "uk": "Цоколь"})
    )
    catalog = Catalog.load(Settings().knowledge_dir / "ui")
    lines = contact_card(office, catalog, "uk").splitlines()
    assert lines[1:3] == ["Marktstraße 16, Witten", "Цоколь"]
    assert "Im Untergeschoss" not in lines
    assert contact_card(office, catalog, "de").splitlines()[2] == "Im Untergeschoss"


FIGURE = Figure.model_validate(
    {
        "id": "minimum-wage",
        "label": {"de": "Mindestlohn", "en": "Minimum wage"},
        "unit": "eur_per_hour",
        "values": [
            {"value": 12.82, "valid_from": "2025-01-01", "valid_until": "2025-12-31", "source": SOURCE},
            {"value": 13.90, "valid_from": "2026-01-01", "valid_until": "2026-12-31", "source": SOURCE},
        ],
    }
)


def test_a_figure_is_stated_as_valid_today_with_its_year_and_source() -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    text = figure_text(FIGURE, catalog, "de", date(2026, 12, 4))
    assert text.splitlines()[0] == "Mindestlohn – 2026: 13,90 € brutto pro Stunde"
    assert SOURCE["url"] in text
    assert figure_text(FIGURE, catalog, "en", date(2026, 12, 4)).startswith("Minimum wage – 2026: €13.90 gross")


def test_a_year_asked_about_gets_its_figure_or_is_told_there_is_none() -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    today = date(2026, 12, 4)
    assert "12,82" in figure_text(FIGURE, catalog, "de", today, asked_year("Mindestlohn 2025?"))
    future = figure_text(FIGURE, catalog, "de", today, asked_year("Wie hoch ist der Mindestlohn 2027?"))
    assert future.splitlines()[0] == catalog.text("figure_no_value", "de", year=2027)
    assert "13,90" in future  # and what is valid today


def test_a_year_is_read_in_the_digits_of_any_script() -> None:
    assert asked_year("حداقل دستمزد در سال ۲۰۲۵ چقدر بود؟") == 2025  # Persian digits
    assert asked_year("الحد الأدنى للأجور في عام ٢٠٢٧") == 2027  # Arabic-Indic digits
    assert asked_year("Mindestlohn ab 1.1.2026") == 2026
    assert asked_year("Hausnummer 120255") is None


def test_a_figure_with_no_value_for_today_says_so_and_gives_the_last_one_with_its_year() -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    lines = figure_text(FIGURE, catalog, "de", date(2027, 1, 2)).splitlines()
    assert lines[0] == catalog.text("figure_no_value", "de", year=2027)
    assert lines[1] == "Mindestlohn – 2026: 13,90 € brutto pro Stunde"


def test_a_figure_whose_start_the_source_does_not_state_is_given_as_of_the_day_it_was_read() -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    fee = Figure.model_validate(
        {
            "id": "fee",
            "label": {"en": "Fee"},
            "unit": "eur",
            "values": [{"value": 200, "valid_from": "2026-12-04", "start_known": False, "source": SOURCE}],
        }
    )
    assert figure_text(fee, catalog, "en", date(2026, 12, 5)).splitlines()[0] == "Fee – as of 2026-12-04: €200"


def test_the_card_leads_with_the_detail_asked_for_and_says_when_the_source_gives_none() -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    office = Contact.model_validate(contact("office", email=None))
    card = contact_card(office, catalog, "en", first=("phone", "email")).splitlines()
    assert card[1] == "Phone: +49 2302 0000"
    assert card[2] == f"E-mail: {catalog.text('detail_not_given', 'en')}"


def test_how_to_book_is_the_appointment_detail_when_the_office_has_no_booking_page() -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    note = {
        "de": "Termine nur telefonisch, höchstens drei Wochen im Voraus.",
        "en": "By phone only, up to 3 weeks ahead.",
    }
    by_phone = Contact.model_validate(contact("office", appointment_url=None, appointment_note=note))
    card = contact_card(by_phone, catalog, "en", first=("appointment_url",)).splitlines()
    assert card[1] == f"{catalog.text('label_appointment', 'en')}: By phone only, up to 3 weeks ahead."
    assert catalog.text("detail_not_given", "en") not in "\n".join(card)
    online = Contact.model_validate(
        contact("office", appointment_url="https://termine.example.org", appointment_note=note)
    )
    lines = contact_card(online, catalog, "de", first=("appointment_url",)).splitlines()
    assert lines[1:3] == [
        f"{catalog.text('label_appointment', 'de')}: https://termine.example.org/",
        "Termine nur telefonisch, höchstens drei Wochen im Voraus.",
    ]


def fact(text: dict[str, str], url: str = str(SOURCE["url"])) -> dict[str, object]:
    return {"text": text, "source": {"url": url, "title": "Official page", "read": "2026-12-04"}}


def test_facts_come_under_the_answer_in_the_users_language_with_a_source_of_their_own() -> None:
    course = Entry.model_validate(
        entry(
            "integration-courses",
            {"en": ["q"]},
            facts=[
                fact({"de": "Insgesamt 700 Unterrichtsstunden.", "en": "700 teaching hours in all."}),
                fact({"de": "Ab 16 Jahren selbst.", "en": "From 16 on your own."}, "https://www.bamf.de/age"),
            ],
        )
    )
    catalog = Catalog.load(Settings().knowledge_dir / "ui")
    text = compose_answer(course, None, catalog, "en")
    answer, good_to_know = text.split("\n\n")[:2]
    assert answer == "[en] Answer of integration-courses. Next step: ask the office."
    assert good_to_know.splitlines() == [
        "Good to know:",
        "• 700 teaching hours in all.",  # from the entry's own source: not repeated
        "• From 16 on your own. (Source: https://www.bamf.de/age)",
    ]
    assert "Gut zu wissen:\n• Insgesamt 700 Unterrichtsstunden." in compose_answer(course, None, catalog, "de")
    assert "Good to know" not in compose_answer(course, None, catalog, "en", with_text=False)
