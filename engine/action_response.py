"""Validates the action server's responses with a validator built once, instead of Rasa's per-call
`jsonschema.validate`, which checks the (constant) schema itself again on every call: about a third of the engine's
CPU per turn under load (make bench-load, profiled with py-spy). Same schema, same errors, same message.

Applied when Rasa loads our components (engine/e5_featurizer.py imports this module); the service never imports it.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR = validator_for(_SCHEMA)(_SCHEMA)  # the schema is checked here, once
_VALIDATOR.check_schema(_SCHEMA)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = best_match(_VALIDATOR.iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action endpoint is "
        f"valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
