"""Both environments stay installable and working: no dependency drift breaks `rasa`."""

from __future__ import annotations

import subprocess

import pytest

from bot.infra.settings import PROJECT_ROOT


@pytest.mark.parametrize("venv", [".venv", ".venv-engine"])
def test_environment_has_no_broken_requirements(venv: str) -> None:
    result = subprocess.run(
        [str(PROJECT_ROOT / venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rasa_runs_in_the_engine_environment() -> None:
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv-engine" / "bin" / "rasa"), "--version"],
        capture_output=True,
        text=True,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "Rasa Version      :         3.6.21" in result.stdout


def test_locks_pin_every_package_exactly() -> None:
    for lock in ("engine.lock", "service.lock"):
        lines = [
            line
            for line in (PROJECT_ROOT / "requirements" / lock).read_text().splitlines()
            if line and not line.startswith("#")
        ]
        assert lines and all("==" in line for line in lines), lock
