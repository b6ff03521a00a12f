"""The one place that reads the environment: every setting with a default that runs locally."""

from __future__ import annotations

import hashlib
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.infra.engine_client import DEFAULT_CONCURRENCY

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _networks(setting: str) -> tuple[IPv4Network | IPv6Network, ...]:
    networks = []
    for part in filter(None, (p.strip() for p in setting.split(","))):
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {part!r} is no IP address or network (10.0.0.5, 10.0.0.0/8)") from None
    return tuple(networks)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="production: refuse to start with a setting that fails open (see production_problems)",
    )
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'glueckauf.db'}",
        description="SQLAlchemy URL; sqlite:///… (default) or postgresql+psycopg://…",
    )
    engine_url: str = Field(
        default="http://127.0.0.1:5005",
        description="Base URL of the Rasa engine; several comma-separated: each conversation sticks to one, moves on "
        "when it is unreachable (needs ENGINE_TRACKER_STORE_URL)",
    )
    engine_tracker_store_url: str = Field(
        default="",
        description="postgresql://user@host:5432/db where the engines keep conversations, so that several engines "
        "share them; empty: in the engine's memory",
    )
    engine_timeout_seconds: float = Field(default=20.0, gt=0)
    engine_concurrency: int = Field(
        default=DEFAULT_CONCURRENCY,
        gt=0,
        description="Turns sent to one engine at once per service instance; more wait in line",
    )
    engine_retry_interval_seconds: float = Field(default=5.0, gt=0)
    public_url: str = Field(default="http://127.0.0.1:8000", description="Where users reach the service")
    default_language: str = "de"
    max_message_chars: int = Field(default=4000, gt=0)
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    nlu_dir: Path = PROJECT_ROOT / "data" / "nlu"
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "glueckauf", description="Derived data (embeddings), safe to delete"
    )
    log_level: str = "INFO"
    secret_key: str = Field(
        default="", description="Signs advisor sessions; generated and kept in CACHE_DIR when empty"
    )
    office_hours: str = Field(
        default="mon-thu 09:00-16:00; fri 09:00-13:00", description="Advisors' weekly hours, Europe/Berlin"
    )
    action_endpoint_token: str = Field(
        default="", description="Shared secret the engine sends to /webhook; empty: no check (local use only)"
    )
    widget_allowed_origins: str = Field(
        default="*", description="Comma-separated origins allowed to embed the widget (CORS and WebSocket)"
    )
    messages_per_minute: int = Field(default=20, gt=0, description="Per conversation; more get a friendly 429")
    conversations_per_hour: int = Field(
        default=60, gt=0, description="New conversations per client address (a shelter's Wi-Fi is one address)"
    )
    advisor_requests_per_hour: int = Field(
        default=10, gt=0, description="Handoff and contact requests per client address: the advisors' queue"
    )
    feedback_per_hour: int = Field(default=120, gt=0, description="Ratings of answers per client address")
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is believed",
    )
    telegram_token: str = Field(default="", description="Bot token from @BotFather; empty: Telegram is off")
    telegram_webhook_url: str = Field(
        default="", description="Public https URL of /telegram/webhook; empty: polling (local use)"
    )
    telegram_webhook_secret: str = Field(default="", description="X-Telegram-Bot-Api-Secret-Token; derived if empty")
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot", description="Bot API base URL (tests use a local fake)"
    )
    redis_url: str = Field(
        default="",
        description="redis://host:6379/0 for several instances: live events and limits are shared; empty: in process",
    )
    redis_namespace: str = Field(
        default="glueckauf", description="Prefix of our Redis keys and channel (deployments sharing one Redis)"
    )
    retention_days: int = Field(
        default=180,
        gt=0,
        description="Conversations inactive this long, contact requests and question texts are purged",
    )
    metrics_token: str = Field(
        default="",
        description="Bearer token Prometheus sends to /metrics; empty: /metrics answers this machine only",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per log line, with the conversation id where there is one"
    )
    translate_url: str = Field(
        default="",
        description="LibreTranslate-compatible server for the console's machine translation (self-hosted, e.g. "
        "http://libretranslate:5000); empty: translation is off and no text leaves the service",
    )
    translate_api_key: str = Field(default="", description="API key for TRANSLATE_URL, if the server wants one")
    translate_timeout_seconds: float = Field(
        default=5.0, gt=0, description="A slower translation is given up: the original is shown or sent"
    )
    console_session_hours: float = Field(default=8.0, gt=0)
    login_attempts_per_15_minutes: int = Field(default=5, gt=0)

    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.widget_allowed_origins.split(",") if origin.strip()]

    def origin_allowed(self, origin: str | None) -> bool:
        """Browsers send Origin; tools without one (curl, tests) are not cross-site and pass, but not in production,
        where the WebSocket is for the widget only."""
        allowed = self.allowed_origins()
        if origin is None:
            return self.environment != "production"
        return "*" in allowed or origin.rstrip("/") in allowed

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve the public: each a one-line reason naming the setting."""
        if self.environment != "production":
            return []
        problems = []
        if not self.action_endpoint_token:
            problems.append("ACTION_ENDPOINT_TOKEN is empty: anyone who reaches /webhook could run the bot's actions")
        if "*" in self.allowed_origins():
            problems.append("WIDGET_ALLOWED_ORIGINS is *: list the https origins of the sites that embed the widget")
        if not self.secret_key:
            problems.append("SECRET_KEY is empty: set one long random secret, the same on every instance")
        if not self.public_url.startswith("https://"):
            problems.append(f"PUBLIC_URL is {self.public_url}: the public address must be https:// (Secure cookies)")
        return problems

    def telegram_secret(self) -> str:
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        return hashlib.sha256(f"telegram:{self.signing_key()}".encode()).hexdigest()

    def signing_key(self) -> str:
        """The configured secret, or one generated once per machine (sessions survive restarts)."""
        if self.secret_key:
            return self.secret_key
        path = self.cache_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """TRUSTED_PROXIES ("10.0.0.5, 172.16.0.0/12") as networks (checked when the settings are read)."""
        return _networks(self.trusted_proxies)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        _networks(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must start with sqlite:// or postgresql+psycopg://")
        return value
