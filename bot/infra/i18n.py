"""User-facing strings: one YAML catalog per language under knowledge/ui/, with fallback to English then German."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.infra.yamlfile import read_yaml

FALLBACK_LANGUAGES = ("en", "de")


class CatalogError(ValueError):
    """A catalog file is malformed or misses a key that the reference catalog has."""


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    name: str
    direction: str
    reviewed: bool


class Catalog:
    def __init__(self, strings: dict[str, dict[str, str]], languages: dict[str, LanguageInfo]) -> None:
        self._strings = strings
        self.languages = languages

    @classmethod
    def load(cls, directory: Path) -> Catalog:
        strings: dict[str, dict[str, str]] = {}
        languages: dict[str, LanguageInfo] = {}
        for path in sorted(directory.glob("*.yml")):
            raw: dict[str, Any] = read_yaml(path) or {}
            code = raw.get("language")
            if code != path.stem or not isinstance(raw.get("strings"), dict):
                raise CatalogError(f"{path}: needs `language: {path.stem}` and a `strings` mapping")
            strings[code] = {str(k): str(v) for k, v in raw["strings"].items()}
            languages[code] = LanguageInfo(
                code=code,
                name=str(raw.get("name", code)),
                direction=str(raw.get("direction", "ltr")),
                reviewed=bool(raw.get("reviewed", False)),
            )
        if not strings:
            raise CatalogError(f"no catalogs found in {directory}")
        return cls(strings, languages)

    def missing_keys(self, reference: str = "en") -> dict[str, set[str]]:
        """Keys the reference language has and another language lacks (a test fails on any)."""
        wanted = set(self._strings[reference])
        return {lang: wanted - set(s) for lang, s in self._strings.items() if wanted - set(s)}

    def supports(self, language: str | None) -> bool:
        return language in self._strings

    def has(self, key: str) -> bool:
        return any(key in strings for strings in self._strings.values())

    def strings(self, language: str, prefix: str = "") -> dict[str, str]:
        """Every string whose key starts with `prefix`, unformatted, in `language` (with fallback): for scripts."""
        keys = sorted({key for strings in self._strings.values() for key in strings if key.startswith(prefix)})
        return {key: self.text(key, language) for key in keys}

    def text(self, key: str, language: str | None, **values: object) -> str:
        for lang in (language, *FALLBACK_LANGUAGES):
            template = self._strings.get(lang or "", {}).get(key)
            if template is not None:
                return template.format(**values) if values else template
        raise KeyError(f"unknown UI string {key!r}")


_catalogs: dict[Path, Catalog] = {}


def catalog_for(directory: Path) -> Catalog:
    """Catalogs are read-only content: load each directory once per process."""
    if directory not in _catalogs:
        _catalogs[directory] = Catalog.load(directory)
    return _catalogs[directory]
