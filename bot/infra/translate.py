"""Machine translation for advisors and users who share no language: one small protocol and an adapter for a
self-hosted LibreTranslate-compatible HTTP API (POST /translate, GET /languages).

Nothing is sent anywhere unless TRANSLATE_URL is set; then only to that address. A translator that is down, slow
or refuses answers with TranslationUnavailable after at most the timeout: callers send or show the original.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)

MAX_BATCH = 50  # texts per request: LibreTranslate accepts a list in "q"
# After the translator was unreachable, slow or failing, it is given this long before it is asked again: every
# console refresh would otherwise wait the whole timeout once more.
PAUSE_AFTER_FAILURE_SECONDS = 30.0


class TranslationUnavailable(Exception):
    """The translator could not translate now (down, slow, refused the key, no model for the pair)."""


class Translator(Protocol):
    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """The texts from `source` into `target`, in order. Raises TranslationUnavailable."""
        ...

    async def aclose(self) -> None: ...


async def translate_one(translator: Translator, text: str, source: str, target: str) -> str:
    return (await translator.translate([text], source, target))[0]


class LibreTranslate:
    """The LibreTranslate HTTP API (and compatible servers). The language models are the operator's: a pair the
    server does not have comes back as TranslationUnavailable."""

    def __init__(self, url: str, api_key: str = "", timeout: float = 5.0, client: httpx.AsyncClient | None = None):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._paused_until = 0.0

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        texts = list(texts)
        if source == target:
            return texts
        translated: list[str] = []
        for start in range(0, len(texts), MAX_BATCH):
            translated += await self._request(texts[start : start + MAX_BATCH], source, target)
        return translated

    async def _request(self, texts: list[str], source: str, target: str) -> list[str]:
        if time.monotonic() < self._paused_until:
            raise TranslationUnavailable("paused after a failure")
        body: dict[str, Any] = {"q": texts, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        try:
            response = await self._client.post(f"{self.url}/translate", json=body)
        except httpx.HTTPError as exc:  # refused, timed out, reset
            log.warning("translator unreachable (%s): %s", type(exc).__name__, exc)
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            raise TranslationUnavailable(f"unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            log.warning("translator answered %s: %s", response.status_code, response.text[:200])
            if response.status_code >= 500 or response.status_code == 429:  # down or overloaded, not a bad request
                self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            raise TranslationUnavailable(f"HTTP {response.status_code}")
        try:
            result = response.json()["translatedText"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TranslationUnavailable("unexpected response") from exc
        result = [result] if isinstance(result, str) else result
        if not isinstance(result, list) or len(result) != len(texts) or not all(isinstance(t, str) for t in result):
            raise TranslationUnavailable("unexpected response")
        return result

    async def languages(self) -> dict[str, set[str]]:
        """Each source language the server has, with the targets it translates it into."""
        try:
            response = await self._client.get(f"{self.url}/languages")
            response.raise_for_status()
            return {item["code"]: set(item.get("targets", [])) for item in response.json()}
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise TranslationUnavailable(f"languages: {type(exc).__name__}") from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def translator_from_settings(url: str, api_key: str, timeout: float) -> Translator | None:
    """None when no TRANSLATE_URL is set: the feature is off and the console works as without it."""
    return LibreTranslate(url, api_key, timeout) if url else None
