"""Both environments stay installable and working: no dependency drift breaks `rasa`."""

from __future__ import annotations

import json
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


ENGINE_VALIDATION = """
import json, sys
import engine.e5_featurizer  # what Rasa imports when it loads the model
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

action = RemoteAction.__new__(RemoteAction)
schema = RemoteAction.action_response_format_spec()
cases = [
    {"events": [{"event": "slot", "name": "city", "value": "bochum"}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "slot"}], "responses": "not a list"},
    {"events": "nothing", "responses": []},
    {"events": [{"event": "no_such_event"}]},
]
out = []
for case in cases:
    try:
        validate(case, schema)
        stock = None
    except ValidationError as error:
        stock = error.message
    try:
        ours = None if action._validate_action_result(case) else "falsy"
    except ValidationError as error:
        ours = error.message
    out.append([stock, ours])
print(json.dumps(out))
"""


def test_the_engine_validates_action_responses_as_rasa_does() -> None:
    """engine/action_response.py replaces Rasa's per-call jsonschema.validate with a validator built once: the same
    responses pass, the same ones fail, with Rasa's message and its hint appended."""
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv-engine" / "bin" / "python"), "-c", ENGINE_VALIDATION],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    pairs = json.loads(result.stdout.strip().splitlines()[-1])
    assert pairs[0] == [None, None]
    for stock, ours in pairs[1:]:
        assert stock is not None and ours.startswith(stock + ". Failed to validate Action server response")
