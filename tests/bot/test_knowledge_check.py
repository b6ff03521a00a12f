"""`make kb-check`: the real knowledge passes, and each kind of defect is caught."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.__main__ import kb_check
from bot.infra.settings import Settings
from bot.knowledge.base import KnowledgeBase, check_knowledge, completeness_table, load_knowledge
from bot.knowledge.schema import CONTACT_FIELDS, Contact
from bot.understanding.language import SUPPORTED_LANGUAGES
from tests.factories import SOURCE, contact, entry, write_knowledge

TODAY = date(2026, 11, 24)
QUESTIONS = {"de": ["Wo melde ich mich an?"], "en": ["Where do I register?"]}


def problems_for(tmp_path: Path, entries: list[dict], contacts: list[dict]) -> list[str]:  # type: ignore[type-arg]
    kb, problems = load_knowledge(write_knowledge(tmp_path, entries, contacts))
    return [str(p) for p in problems + check_knowledge(kb, TODAY) if p.severity == "error"]


def test_the_project_knowledge_passes() -> None:
    assert kb_check(Settings()) == 0


def test_a_complete_entry_passes(tmp_path: Path) -> None:
    registration = entry("registration", QUESTIONS, contacts={"all": "office"})
    assert problems_for(tmp_path, [registration], [contact("office")]) == []


def test_the_topic_menu_names_existing_entries_of_its_audience(tmp_path: Path) -> None:
    registration = entry("registration", QUESTIONS)
    menu = {"candidate": ["registration", "gone"], "employer": ["registration"]}
    kb, problems = load_knowledge(write_knowledge(tmp_path, [registration], [], menu))
    assert kb.menu.candidate == ["registration", "gone"]
    assert sorted(str(p) for p in problems + check_knowledge(kb, TODAY)) == [
        "error: i18n/menu.yml: candidate: entry 'gone' does not exist",
        "error: i18n/menu.yml: employer: entry 'registration' is not for that audience",
    ]


def test_a_missing_topic_menu_warns(tmp_path: Path) -> None:
    kb, _ = load_knowledge(write_knowledge(tmp_path, [entry("registration", QUESTIONS)], [], {"candidate": []}))
    assert [(p.severity, p.message) for p in check_knowledge(kb, TODAY)] == [
        ("warning", "no topics for candidates: 'I need help' gets no buttons"),
        ("warning", "no topics for employers: 'I need help' gets no buttons"),
    ]


def test_a_topic_menu_with_an_unknown_audience_fails(tmp_path: Path) -> None:
    _kb, problems = load_knowledge(write_knowledge(tmp_path, [], [], {"students": ["registration"]}))
    (problem,) = problems
    assert problem.path.endswith("i18n/menu.yml") and "students" in problem.message


def test_missing_source_fails(tmp_path: Path) -> None:
    (problem,) = problems_for(tmp_path, [entry("registration", QUESTIONS, sources=[])], [])
    assert "sources" in problem


def test_a_contact_card_missing_a_language_fails(tmp_path: Path) -> None:
    office = contact(
        "office",
        opening_hours_note={"de": "Nur mit Termin", "en": "By appointment only"},
        appointment_note={"de": "Nur telefonisch", "en": "By phone only"},
        address_note={lang: "Basement" for lang in ("de", "en", "tr", "ar", "uk", "ru", "es", "fr", "pl", "ro")},
    )
    del office["name"]["ar"]
    problems = problems_for(tmp_path, [], [office])
    assert any("name in ar missing" in p for p in problems)
    assert any("address_note in fa missing" in p for p in problems)
    assert any("opening_hours_note in tr, ar, uk, ru, es, fr, pl, ro, fa missing" in p for p in problems)
    assert any("appointment_note in tr, ar, uk, ru, es, fr, pl, ro, fa missing" in p for p in problems)


def test_the_completeness_table_tells_a_booking_note_from_a_gap() -> None:
    by_phone = Contact.model_validate(contact("by-phone", appointment_note={"en": "By phone only"}))
    silent = Contact.model_validate(contact("silent"))
    gap = Contact.model_validate(contact("gap", not_in_source=["email"]))
    rows = completeness_table(KnowledgeBase(contacts={c.id: c for c in (by_phone, silent, gap)}))
    booking = CONTACT_FIELDS.index("appointment_url") + 1
    assert {row[0]: row[booking] for row in rows} == {
        "by-phone": "how to book",
        "silent": "not in source",
        "gap": "MISSING",
    }


def test_a_missing_checklist_fails(tmp_path: Path) -> None:
    (problem,) = problems_for(tmp_path, [entry("hiring", QUESTIONS, checklist="no-such-folder")], [])
    assert "checklist 'no-such-folder' does not exist" in problem


def test_prose_in_the_address_fails_because_it_would_not_be_translated(tmp_path: Path) -> None:
    prose = contact("prose", address="Hauptsitz: Koniner Straße, Herne; Team U25 auch in der Innenstadt")
    (problem,) = problems_for(tmp_path, [], [prose])
    assert "contacts/prose.yml" in problem and "address_note" in problem
    assert problems_for(tmp_path, [], [contact("prose", address="Shamrockring 1, Haus 4, 44623 Herne")]) == []


def test_missing_language_fails(tmp_path: Path) -> None:
    broken = entry("registration", QUESTIONS)
    del broken["answer"]["uk"]
    del broken["questions"]["fa"]
    problems = problems_for(tmp_path, [broken], [])
    assert any("answer in 'uk' missing" in p for p in problems)
    assert any("question variants in 'fa' missing" in p for p in problems)


def test_dangling_contact_fails(tmp_path: Path) -> None:
    (problem,) = problems_for(tmp_path, [entry("registration", QUESTIONS, contacts={"witten": "nowhere"})], [])
    assert "contact 'nowhere' does not exist" in problem


def test_city_specific_entry_needs_every_city(tmp_path: Path) -> None:
    partial = entry("registration", QUESTIONS, city_specific=True, contacts={"witten": "office"})
    (problem,) = problems_for(tmp_path, [partial], [contact("office")])
    assert "no contact for bochum, herne, hattingen" in problem


def test_overlong_answer_fails(tmp_path: Path) -> None:
    long_answer = entry("registration", QUESTIONS)
    long_answer["answer"]["de"]["text"] = "x" * 701
    (problem,) = problems_for(tmp_path, [long_answer], [])
    assert "answer.de.text" in problem and "at most 700 characters" in problem


def test_id_must_match_the_file_name_and_be_unique(tmp_path: Path) -> None:
    write_knowledge(tmp_path, [entry("registration", QUESTIONS)], [])
    (tmp_path / "entries" / "copy.yml").write_text((tmp_path / "entries" / "registration.yml").read_text())
    _kb, problems = load_knowledge(tmp_path)
    messages = [p.message for p in problems]
    assert "id 'registration' differs from the file name" in messages
    assert "duplicate id 'registration'" in messages


@pytest.mark.parametrize(("verified", "severity"), [("2025-11-01", "error"), ("2026-04-01", "warning")])
def test_old_verification_warns_then_fails(tmp_path: Path, verified: str, severity: str) -> None:
    registration = entry("registration", QUESTIONS, last_verified=verified, audience=["candidate", "employer"])
    menu = {"candidate": ["registration"], "employer": ["registration"]}
    kb, _ = load_knowledge(write_knowledge(tmp_path, [registration], [], menu))
    (problem,) = check_knowledge(kb, TODAY)
    assert problem.severity == severity and "last verified" in problem.message


def figure(values: list[dict]) -> dict:  # type: ignore[type-arg]
    return {
        "id": "minimum-wage",
        "label": {lang: "Mindestlohn" for lang in SUPPORTED_LANGUAGES},
        "unit": "eur_per_hour",
        "values": values,
    }


def figure_problems(tmp_path: Path, data: dict, today: date, severity: str = "error") -> list[str]:  # type: ignore[type-arg]
    (tmp_path / "figures").mkdir(parents=True, exist_ok=True)
    (tmp_path / "figures" / "minimum-wage.yml").write_text(yaml.safe_dump(data))
    kb, problems = load_knowledge(write_knowledge(tmp_path, [], []))
    found = problems + check_knowledge(kb, today)
    return [str(p) for p in found if p.severity == severity and p.path.startswith("figures/")]


def test_a_figure_running_out_without_a_successor_is_reported_before_and_after(tmp_path: Path) -> None:
    data = figure([{"value": 13.9, "valid_from": "2026-01-01", "valid_until": "2026-12-31", "source": SOURCE}])
    assert figure_problems(tmp_path, data, date(2026, 11, 30), "warning") == []
    assert figure_problems(tmp_path, data, date(2026, 12, 5), "warning") == [
        "warning: figures/minimum-wage.yml: the last value runs out on 2026-12-31: add the next one once published"
    ]
    assert figure_problems(tmp_path, data, date(2027, 1, 1)) == []  # the bot says so: a warning, not a failure
    [expired] = figure_problems(tmp_path, data, date(2027, 1, 1), "warning")
    assert "no value valid today: the last one ran out on 2026-12-31" in expired
    data["values"].append({"value": 14.6, "valid_from": "2027-01-01", "source": SOURCE})
    assert figure_problems(tmp_path, data, date(2026, 12, 5), "warning") == []


def test_overlapping_figure_values_fail(tmp_path: Path) -> None:
    data = figure(
        [
            {"value": 12.82, "valid_from": "2025-01-01", "source": SOURCE},
            {"value": 13.9, "valid_from": "2026-01-01", "valid_until": "2026-12-31", "source": SOURCE},
        ]
    )
    assert figure_problems(tmp_path, data, date(2026, 6, 1)) == [
        "error: figures/minimum-wage.yml: values from 2025-01-01 and 2026-01-01 overlap"
    ]


def test_a_contact_detail_neither_given_nor_recorded_as_not_in_the_source_fails(tmp_path: Path) -> None:
    gap = contact("office", not_in_source=["appointment_url"])  # the factory's card has no e-mail either
    contradiction = contact("other", not_in_source=["phone", "email", "appointment_url"])
    assert problems_for(tmp_path, [], [gap, contradiction]) == [
        "error: contacts/office.yml: email missing: add it from the source or list it in not_in_source",
        "error: contacts/other.yml: phone is given but listed in not_in_source",
    ]


def test_kb_check_prints_the_completeness_of_every_contact(capsys: pytest.CaptureFixture[str]) -> None:
    kb_check(Settings())
    output = capsys.readouterr().out
    assert "contact completeness" in output
    assert "en-kreis-auslaenderbehoerde" in output and "MISSING" not in output


def test_a_fact_missing_a_language_fails_and_a_long_one_is_refused(tmp_path: Path) -> None:
    source = {"url": "https://www.bamf.de/kurs", "title": "BAMF – Kurs", "read": "2026-12-04"}
    complete = {lang: f"Fact in {lang}: 700 hours." for lang in SUPPORTED_LANGUAGES}
    partial = {"de": "Insgesamt 700 Unterrichtsstunden.", "en": "700 teaching hours in all."}
    course = entry(
        "course", QUESTIONS, facts=[{"text": complete, "source": source}, {"text": partial, "source": source}]
    )
    problems = problems_for(tmp_path, [course], [])
    assert len(problems) == 1 and "fact 2 in tr, ar" in problems[0]
    too_long = entry("long", QUESTIONS, facts=[{"text": {**complete, "de": "x" * 221}, "source": source}])
    assert any("a fact has 10 to 220 characters" in p for p in problems_for(tmp_path / "long", [too_long], []))
