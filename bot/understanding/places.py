"""Recognises the four cities, their districts and their names in other scripts with a spaCy EntityRuler.

"Wanne-Eickel", "Бохуме" or "بوخوم" all become the canonical id (`herne`, `bochum`). A blank multilingual
pipeline is enough: there is nothing to learn, only names to match, in any script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import spacy

from bot.infra.yamlfile import read_yaml
from bot.understanding.text import fold


@dataclass(frozen=True)
class Place:
    city: str
    text: str
    start: int
    end: int


def _word_start(folded: str, names: dict[str, str]) -> tuple[str, int, int] | None:
    """The value of the longest name that starts a word of the folded text, and where it is."""
    for name, value in sorted(names.items(), key=lambda item: -len(item[0])):
        match = re.search(rf"(?<!\w){re.escape(name)}", folded)
        if match:
            return value, match.start(), match.end()
    return None


# Prepositions that stand before a place name in our languages ("in", "aus", "в", "w", "în", "في", "در", …).
_PREPOSITIONS = (
    "in im aus nach bei für fuer von vom zum zur um at from to near around à a de du des en dans près vers "
    "w we z ze do koło pod în din la lângă в во из у з із під под около біля возле في فى من إلى الى قرب در به از "
    "nähe naehe"
)
_PREPOSITION_BEFORE = re.compile(
    r"(?:^|(?<=\s))(?:" + "|".join(re.escape(word) for word in _PREPOSITIONS.split()) + r")$", re.IGNORECASE
)


MIN_MISSPELT_LENGTH = 5  # below that, one edit makes another word of most names
LONG_NAME = 9  # from this length two edits still leave the name recognisable ("Watenscheit")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _edits(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (an adjacent swap is one edit), cut off above `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class PlaceRecognizer:
    def __init__(self, places_file: Path) -> None:
        data = read_yaml(places_file) or {}
        self._names: dict[str, str] = {}
        self._city_names: dict[str, str] = {}
        for city, info in (data.get("cities") or {}).items():
            for name in info.get("names") or []:
                self._city_names[fold(str(name))] = city
            for name in [*(info.get("names") or []), *(info.get("districts") or [])]:
                self._names[fold(str(name))] = city
        # Towns outside the region: folded name -> the name to show ("дортмунд" -> "Dortmund").
        self._elsewhere = {fold(str(name)): str(names[0]) for names in data.get("elsewhere") or [] for name in names}
        self._nlp = spacy.blank("xx")
        ruler = self._nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = [{"label": "CITY", "pattern": name, "id": city} for name, city in self._names.items()]
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]

    @property
    def names(self) -> list[str]:
        """Every name of a place, ours or outside the region: no evidence of a message's language."""
        return [*self._names, *self._elsewhere]

    def find(self, text: str) -> list[Place]:
        doc = self._nlp(text.replace("İ", "I"))  # spaCy's LOWER would make "i̇" of it (see fold)
        found = [
            Place(ent.ent_id_, text[ent.start_char : ent.end_char], ent.start_char, ent.end_char) for ent in doc.ents
        ]
        if found:
            return found
        # City names with a suffix we did not list ("Herneliyim", "Bochumer") still start a word. Districts are left
        # out here: as word parts they are common German words ("Badewanne", "Lindenstraße").
        found_prefix = _word_start(fold(text), self._city_names)
        if found_prefix is None:
            return []
        city, start, end = found_prefix
        return [Place(city, text[start:end], start, end)]

    def elsewhere(self, text: str) -> str | None:
        """A town outside the region the message names ("Wohnung in Dortmund" -> "Dortmund"), unless it also names
        one of ours."""
        if self.find(text):
            return None
        found = _word_start(fold(text), self._elsewhere)
        return found[0] if found else None

    def without_places(self, text: str) -> str:
        """The text with place names cut out: the knowledge matcher should match the question, not the city. The
        preposition before a place goes too ("Wo melde ich mich in Witten an?" becomes "Wo melde ich mich an?", not
        "… mich in an?", which resembled other questions more than the one asked)."""
        for place in sorted(self.find(text), key=lambda p: -p.start):
            before = text[: place.start].rstrip()
            preposition = _PREPOSITION_BEFORE.search(before)
            if preposition:
                before = before[: preposition.start()]
            text = before + " " + text[place.end :]
        return " ".join(text.split())

    def city(self, text: str) -> str | None:
        """The city a message names, if it names exactly one."""
        cities = {place.city for place in self.find(text)}
        return cities.pop() if len(cities) == 1 else None

    def misspelt_city(self, text: str) -> str | None:
        """The city a message names with a typo ("Hatingen", "Bochun", "Ватеншайд"): a word one edit (two in a long
        name) from one of our names, for exactly one city. Only for an answer to "which city?": in a sentence,
        "Witten" misspelt is as near to "bitten" and "wetten" as to the city."""
        cities = set()
        for word in _WORD.findall(fold(text)):
            if len(word) < MIN_MISSPELT_LENGTH:
                continue
            for name, city in self._names.items():
                allowed = 2 if len(name) >= LONG_NAME else 1
                if abs(len(name) - len(word)) <= allowed and _edits(word, name, allowed) <= allowed:
                    cities.add(city)
        return cities.pop() if len(cities) == 1 else None
