"""pyproject.toml is the service's one dependency list: every third-party package the code imports is declared there
(runtime code in `dependencies`, tests and benchmarks may also use the `dev` extra), so a fresh `make lock` can
never leave one out."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

import pytest

from bot.infra.settings import PROJECT_ROOT

OWN_PACKAGES = {"bot", "actions", "bench", "tests", "tools", "engine"}
RUNTIME_CODE = ("bot", "actions")
DEVELOPMENT_CODE = ("tests", "bench")
ENGINE_SIDE = {"bench/nlu_engine.py"}  # runs inside the engine's environment (requirements/engine.in)


def declared(*groups: str) -> set[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"]]
    for group in groups:
        lines += project["optional-dependencies"][group]
    return {normalise(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0]) for line in lines}


def normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def imported_modules(folders: tuple[str, ...]) -> dict[str, str]:
    """Top-level module -> the first file importing it, for absolute imports of third-party code."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if str(path.relative_to(PROJECT_ROOT)) in ENGINE_SIDE:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN_PACKAGES:
                        found.setdefault(top, str(path.relative_to(PROJECT_ROOT)))
    return found


def undeclared(folders: tuple[str, ...], allowed: set[str]) -> list[str]:
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(imported_modules(folders).items()):
        distributions = {normalise(name) for name in providers.get(module, [])}
        if not distributions & allowed:
            missing.append(f"{module} (imported in {where}; installed by {sorted(distributions) or 'nothing'})")
    return missing


def test_runtime_code_imports_only_declared_packages() -> None:
    assert undeclared(RUNTIME_CODE, declared()) == []


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    assert undeclared(DEVELOPMENT_CODE, declared("dev")) == []


@pytest.mark.parametrize("folders", [RUNTIME_CODE, DEVELOPMENT_CODE])
def test_the_import_scan_finds_third_party_packages(folders: tuple[str, ...]) -> None:
    """The scan itself works: the code does import third-party packages, and a package left out is reported."""
    modules = imported_modules(folders)
    assert "yaml" in modules
    assert any("yaml" in line for line in undeclared(folders, declared() - {"pyyaml"}))


def test_the_lock_file_has_every_declared_package() -> None:
    """requirements/service.lock is what gets installed: a package declared but not locked was never resolved."""
    lock = (PROJECT_ROOT / "requirements" / "service.lock").read_text()
    locked = {normalise(line.split("==")[0]) for line in lock.splitlines() if "==" in line}
    assert declared("dev") - locked == set()
