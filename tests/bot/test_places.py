"""The city recogniser on the project's gazetteer (knowledge/places.yml)."""

from __future__ import annotations

import pytest

from bot.infra.settings import Settings
from bot.understanding.places import PlaceRecognizer


@pytest.fixture(scope="module")
def places() -> PlaceRecognizer:
    return PlaceRecognizer(Settings().knowledge_dir / "places.yml")


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Wo melde ich mich in Witten an?", "witten"),
        ("где Ausländerbehörde в Бохуме?", "bochum"),
        ("ich wohne in Wanne-Eickel", "herne"),
        ("Wattenscheid", "bochum"),
        ("Blankenstein", "hattingen"),
        ("Herneliyim, iş arıyorum", "herne"),
        ("أين مكتب الأجانب في بوخوم؟", "bochum"),
        ("Mieszkam w Bochumie", "bochum"),
        ("WİTTEN'DE OTURUYORUM", "witten"),  # a Turkish keyboard's caps lock: "İ", not "I"
        ("HATTİNGEN", "hattingen"),
        ("WANNE-EİCKEL", "herne"),
    ],
)
def test_recognises_cities_and_districts_in_any_script(places: PlaceRecognizer, text: str, city: str) -> None:
    assert places.city(text) == city


def test_a_place_found_by_its_prefix_is_cut_where_it_stands(places: PlaceRecognizer) -> None:
    """Folding keeps every letter's position: "ß" before the name once shifted the cut by one letter."""
    [place] = places.find("Große Straße, Bochumer Innenstadt")
    assert place.text == "Bochum"


@pytest.mark.parametrize(
    "text", ["Die Badewanne ist kaputt", "eine spannende Frage", "Lindenstraße 5", "Wo ist Dortmund?", ""]
)
def test_common_words_and_other_cities_are_not_places(places: PlaceRecognizer, text: str) -> None:
    assert places.city(text) is None


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("Ich suche eine Wohnung in Dortmund", "Dortmund"),
        ("я живу в Дортмунде", "Dortmund"),  # a case ending after the listed name
        ("أعيش في برلين", "Berlin"),
        ("Wohnung in Bochum oder Dortmund", None),  # one of ours is named: that one counts
        ("Wo kann ich in der Nähe gut essen?", None),  # Essen, the city, is left out on purpose
        ("Wo melde ich mich an?", None),
    ],
)
def test_towns_outside_the_region_are_recognised(places: PlaceRecognizer, text: str, town: str | None) -> None:
    assert places.elsewhere(text) == town


def test_two_different_cities_give_no_single_city(places: PlaceRecognizer) -> None:
    assert places.city("Ich wohne in Herne und arbeite in Bochum") is None


@pytest.mark.parametrize(
    ("text", "without"),
    [
        ("Wo melde ich mich in Witten an?", "Wo melde ich mich an?"),  # not "… mich in an?"
        ("где Ausländerbehörde в Бохуме?", "где Ausländerbehörde ?"),
        ("أين مكتب الأجانب في بوخوم؟", "أين مكتب الأجانب ؟"),
        ("Mieszkam w Bochumie i szukam pracy", "Mieszkam i szukam pracy"),
        ("Bürgerzentrum Herne Wohnsitz anmelden", "Bürgerzentrum Wohnsitz anmelden"),
        ("Winter in Deutschland", "Winter in Deutschland"),  # no place: every word stays
    ],
)
def test_the_matcher_sees_the_question_without_the_place_and_its_preposition(
    places: PlaceRecognizer, text: str, without: str
) -> None:
    assert places.without_places(text) == without


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Hatingen", "hattingen"),
        ("Bochun", "bochum"),
        ("Ватеншайд", "bochum"),  # one т
        ("Watenscheit", "bochum"),  # two edits in a long name
        ("Blankenstien", "hattingen"),  # two letters swapped
        ("Dortmund", None),
        ("Essen", None),
        ("Anne", None),  # too short to guess
        ("Witten oder Herne", None),  # two cities: no single guess
    ],
)
def test_a_city_misspelt_is_recognised_when_only_one_is_near(
    places: PlaceRecognizer, text: str, city: str | None
) -> None:
    assert places.misspelt_city(text) == city
