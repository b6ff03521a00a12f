"""The engine's endpoints file: endpoints.yml as it is, plus the stores several engines share when configured.

Rasa substitutes `${VAR}` in endpoints.yml but fails on an unset variable, so optional sections cannot live there.
With `ENGINE_TRACKER_STORE_URL` the engines keep their trackers in that SQL database (any engine can continue any
conversation) and, with `REDIS_URL` as well, lock each conversation in Redis while a turn runs.
`python -m bot engine-endpoints` prints it for engines started by other means than `make run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from bot.infra.settings import PROJECT_ROOT, Settings
from bot.infra.yamlfile import read_yaml

BASE = PROJECT_ROOT / "endpoints.yml"


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "")}


def tracker_store(url: str) -> dict[str, Any]:
    """Rasa's SQL tracker store from a URL such as postgresql://user:secret@host:5432/rasa."""
    parts = urlsplit(url)
    dialect = parts.scheme.split("+", 1)[0]
    database = unquote(parts.path.lstrip("/"))
    if dialect != "postgresql" or not parts.hostname or not database:
        raise ValueError(f"ENGINE_TRACKER_STORE_URL must look like postgresql://user@host:5432/database, not {url!r}")
    return _without_empty(
        {
            "type": "SQL",
            "dialect": dialect,
            "url": parts.hostname,
            "port": parts.port or 5432,
            "db": database,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
        }
    )


def lock_store(url: str, namespace: str) -> dict[str, Any]:
    """Rasa's Redis lock store from REDIS_URL (redis://[:secret@]host:6379/0); its keys are `<namespace>:lock:…`."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    return _without_empty(
        {
            "type": "redis",
            "url": parts.hostname or "127.0.0.1",
            "port": parts.port or 6379,
            "db": int(database) if database.isdigit() else 0,
            "password": unquote(parts.password or ""),
            "key_prefix": "".join(ch for ch in namespace if ch.isalnum()) or "glueckauf",  # Rasa takes only these
        }
    )


def engine_endpoints(settings: Settings) -> dict[str, Any]:
    endpoints: dict[str, Any] = read_yaml(BASE) or {}
    if settings.engine_tracker_store_url:
        endpoints["tracker_store"] = tracker_store(settings.engine_tracker_store_url)
        if settings.redis_url:
            endpoints["lock_store"] = lock_store(settings.redis_url, settings.redis_namespace)
    return endpoints


def endpoints_file(settings: Settings, directory: Path) -> Path:
    """endpoints.yml itself when nothing is added; else the completed file written into `directory`."""
    if not settings.engine_tracker_store_url:
        return BASE
    path = directory / "engine-endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # it may hold the database's and Redis' passwords: readable by this user only
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(engine_endpoints(settings), sort_keys=False), encoding="utf-8")
    return path
