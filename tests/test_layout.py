"""The package layout shows the architecture, and imports only go downwards:

infra          settings, database, events, limits, locks, logs, metrics, the engine client, i18n catalogs
understanding  text, languages, places, signals, scrubbing
knowledge      the curated knowledge base, its matcher and office recognizer
domain         conversations, handoff, answering and dialogue, routing, delivery, privacy, insight events
interfaces     channels (api, widget, telegram), routes, the console, the insights pages
the app        bot/app.py, the command line, the stack and the action server wire it together
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.infra.settings import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"
LAYERS = {"infra": 0, "understanding": 1, "knowledge": 2, "domain": 3}
INTERFACES = ("channels", "routes", "console", "insights")
TOP = 5


def layer(module: str) -> int:
    """bot.<package>.… → its layer; modules directly in bot/ (app, __main__, stack, action_server) are the top."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] == "migrations":
        return TOP
    if parts[1] in INTERFACES:
        return 4
    return LAYERS.get(parts[1], TOP)


def modules(root: Path = PROJECT_ROOT) -> list[tuple[str, Path]]:
    found = []
    for path in sorted((root / "bot").rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        if "migrations" not in relative.parts:
            found.append((".".join(relative.parts).removesuffix(".__init__"), path))
    return found


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("bot."):
            names.add(str(node.module))
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.startswith("bot.")}
    return names


def upward_imports(root: Path = PROJECT_ROOT) -> list[str]:
    return [
        f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
        for module, path in modules(root)
        for target in sorted(imports_of(path))
        if layer(target) > layer(module)
    ]


def test_no_module_imports_a_layer_above_it() -> None:
    assert upward_imports() == []


def test_every_module_lives_in_a_layer_or_is_part_of_the_app() -> None:
    loose = {module for module, path in modules() if path.parent == BOT and path.name != "__init__.py"}
    assert loose == {"bot.__main__", "bot.app", "bot.stack", "bot.action_server"}


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "bot" / "infra").mkdir(parents=True)
    (tmp_path / "bot" / "infra" / "db.py").write_text("from bot.domain.router import MessageRouter\n")
    assert upward_imports(tmp_path) == ["bot.infra.db (layer 0) imports bot.domain.router (layer 3)"]


@pytest.mark.parametrize(
    ("module", "expected"),
    [("bot.infra.db", 0), ("bot.domain.router", 3), ("bot.channels.api", 4), ("bot.app", TOP)],
)
def test_layers_are_read_from_the_package(module: str, expected: int) -> None:
    assert layer(module) == expected
