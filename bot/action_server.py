"""The Rasa action-server protocol inside the service: discovers actions/ and runs them with rasa-sdk."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Any

from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor

from bot.domain.dialogue import DialogueServices


def discover_actions(package: ModuleType) -> list[type[Action]]:
    """Concrete Action classes defined in the package's modules (base classes have no name of their own)."""
    found: list[type[Action]] = []
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == module.__name__ and "name" in cls.__dict__:
                found.append(cls)
    return found


def create_executor(services: DialogueServices, package_name: str = "actions") -> ActionExecutor:
    executor = ActionExecutor()
    for cls in discover_actions(importlib.import_module(package_name)):
        action: Any = cls(services)  # type: ignore[call-arg]
        executor.register_action(action)
    return executor
