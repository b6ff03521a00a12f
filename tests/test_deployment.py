"""compose.yaml and the Dockerfiles hold together: every reference resolves, the service instances start in
production mode with what the file gives them (no fail-open setting), the engines get every variable their endpoints
file needs and share the stores `make run` uses. `docker compose config` checks the file too where the client has
the compose plugin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.infra.engine_endpoints import lock_store, tracker_store
from bot.infra.settings import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "compose.yaml"
DEPLOY = PROJECT_ROOT / "deploy"
EXAMPLE_ENV = {
    "DOMAIN": "chat.example.org",
    "POSTGRES_PASSWORD": "pg-secret",
    "SECRET_KEY": "a-long-random-secret",
    "ACTION_ENDPOINT_TOKEN": "engine-secret",
    "WIDGET_ALLOWED_ORIGINS": "https://www.example-employer.de",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (the forms compose.yaml uses)."""

    def value(match: re.Match[str]) -> str:
        name, kind, argument = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise MissingVariable(f"{name}: {argument}")
        return argument if kind == "-" else ""

    return VARIABLE.sub(value, text)


def interpolated(value: Any, env: dict[str, str]) -> Any:
    """As compose does it: the YAML is parsed first, then variables in its strings are replaced."""
    if isinstance(value, dict):
        return {key: interpolated(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolated(item, env) for item in value]
    return interpolate(value, env) if isinstance(value, str) else value


def compose(env: dict[str, str] = EXAMPLE_ENV) -> dict[str, Any]:
    loaded: dict[str, Any] = interpolated(yaml.safe_load(COMPOSE.read_text()), env)
    return loaded


def test_every_required_secret_is_asked_for_by_name() -> None:
    for name in EXAMPLE_ENV:
        with pytest.raises(MissingVariable, match=name):
            compose({key: value for key, value in EXAMPLE_ENV.items() if key != name})


def test_services_images_files_and_dependencies_resolve() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "engine-1", "engine-2", "service-1", "service-2", "proxy"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if "build" in service:
            assert (PROJECT_ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file(), name
        for dependency in service.get("depends_on") or []:
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (PROJECT_ROOT / source).exists(), f"{name} mounts missing {source}"


def test_the_service_instances_start_in_production_mode_with_what_compose_gives_them() -> None:
    services = compose()["services"]
    for name in ("service-1", "service-2", "migrate"):
        environment = services[name]["environment"]
        fields = set(Settings.model_fields)
        assert {key.lower() for key in environment} <= fields, f"{name}: unknown settings"
        settings = Settings(**{key.lower(): value for key, value in environment.items()})
        assert settings.environment == "production"
        assert settings.production_problems() == [], name
        assert settings.database_url.startswith("postgresql+psycopg://")
        engines = [url.split("//")[1].split(":")[0] for url in settings.engine_url.split(",")]
        assert engines == ["engine-1", "engine-2"]


def test_the_engines_get_every_variable_of_their_endpoints_file_and_share_the_stores() -> None:
    services = compose()["services"]
    endpoints_text = (DEPLOY / "endpoints.yml").read_text()
    needed = {match.group(1) for match in VARIABLE.finditer(endpoints_text)}
    for name in ("engine-1", "engine-2"):
        environment = {key: str(value) for key, value in services[name]["environment"].items()}
        assert needed <= set(environment), f"{name} lacks {needed - set(environment)}"
        endpoints = interpolated(yaml.safe_load(endpoints_text), environment)
        service_env = services["service-1"]["environment"]
        assert endpoints["tracker_store"] == tracker_store(service_env["ENGINE_TRACKER_STORE_URL"])
        assert endpoints["lock_store"] == lock_store(service_env["REDIS_URL"], "glueckauf")
        assert environment["ACTION_ENDPOINT_TOKEN"] == service_env["ACTION_ENDPOINT_TOKEN"]
        assert endpoints["action_endpoint"]["headers"]["Authorization"] == "Bearer engine-secret"


def test_the_proxy_balances_both_instances_and_keeps_internal_routes_private() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    public = caddyfile.split("{$DOMAIN} {", 1)[1].split("\n}", 1)[0]
    assert "service-1:8000 service-2:8000" in public
    assert re.search(r"@internal path .*/webhook.*\n.*respond @internal 404", public)
    assert "/metrics" in public.split("respond")[0]
    ports = compose()["services"]["proxy"]["ports"]
    assert not any("8081" in port for port in ports)  # the engines' way to the actions is not published


@pytest.mark.parametrize("dockerfile", ["service.Dockerfile", "engine.Dockerfile"])
def test_dockerfiles_are_multi_stage_run_as_a_user_and_copy_what_exists(dockerfile: str) -> None:
    text = (DEPLOY / dockerfile).read_text()
    stages = re.findall(r"^FROM .*", text, re.M)
    assert len(stages) >= 2
    final = text.rsplit("\nFROM ", 1)[1]
    user = re.search(r"^USER (\S+)", final, re.M)
    assert user and user.group(1) not in {"root", "0"}
    assert "HEALTHCHECK" in final
    for line in re.findall(r"^COPY (?!--from)(.*)", text, re.M):
        *sources, _ = [part for part in line.split() if not part.startswith("--")]
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), f"{dockerfile}: COPY {source}"
    assert re.search(r"kb-index|rasa train", text), "models are built into the image"


def test_the_locked_requirements_are_what_the_images_install() -> None:
    assert "requirements/service.lock" in (DEPLOY / "service.Dockerfile").read_text()
    assert "requirements/engine.lock" in (DEPLOY / "engine.Dockerfile").read_text()


def _compose_plugin() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    return subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="no `docker compose` on this machine; the checks above still ran")
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
        env={**os.environ, **EXAMPLE_ENV},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
