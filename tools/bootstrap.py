#!/usr/bin/env python3
"""Sets up a fresh clone: both virtual environments and the trained Rasa model, each cached by content hash.

Standard library only: it runs before any environment exists. Used by `make run`, `make test` and CI.

  python3 tools/bootstrap.py envs     # .venv (service) and .venv-engine (Rasa), reused while the locks are unchanged
  python3 tools/bootstrap.py train    # models/current.tar.gz, retrained only when config, domain or data changed
  python3 tools/bootstrap.py browser  # Debian's chromium for the browser tests
  python3 tools/bootstrap.py lock [engine|service] [--upgrade]   # pyproject.toml / engine.in -> requirements/*.lock
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("GLUECKAUF_CACHE", Path.home() / ".cache" / "glueckauf"))
ENGINE_INPUTS = ("config.yml", "domain.yml", "data", "engine", "requirements/engine.lock")


class SetupError(Exception):
    """Something the person running the command must fix; printed without a traceback."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def python_version(executable: str) -> tuple[int, int, int] | None:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    major, minor, micro = (int(x) for x in out.split())
    return major, minor, micro


def pyenv_pythons(prefix: str) -> list[str]:
    pyenv = shutil.which("pyenv")
    if not pyenv:
        return []
    root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
    versions = sorted(Path(root, "versions").glob(f"{prefix}.*"), reverse=True) if root else []
    return [str(v / "bin" / "python") for v in versions]


def find_engine_python() -> str:
    candidates = [os.environ.get("PYTHON310", ""), *pyenv_pythons("3.10"), shutil.which("python3.10") or ""]
    for candidate in filter(None, candidates):
        version = python_version(candidate)
        if version and version[:2] == (3, 10):
            return candidate
    raise SetupError(
        "Rasa 3.6 needs Python 3.10 and none was found. Install it (e.g. `pyenv install 3.10` or the python3.10 "
        "package of your system) or point PYTHON310 at a python3.10 executable."
    )


def find_service_python() -> str:
    names = [os.environ.get("PYTHON_SERVICE", ""), *pyenv_pythons("3.11")]
    names += [shutil.which(n) or "" for n in ("python3.11", "python3.12", "python3.13", "python3")]
    for candidate in filter(None, names):
        version = python_version(candidate)
        if version and version[:2] >= (3, 11):
            return candidate
    raise SetupError("The service needs Python 3.11 or newer; install it or set PYTHON_SERVICE.")


def digest(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            h.update(str(file.relative_to(ROOT)).encode())
            h.update(file.read_bytes())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """Two `make` runs at once wait for each other instead of building the same thing twice."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def run_with_progress(command: list[str], label: str, total: int | None = None) -> None:
    """Runs a long command, showing one progress line; the full output goes to a log shown on failure."""
    log_path = Path(tempfile.mkstemp(prefix="glueckauf-", suffix=".log")[1])
    started = time.monotonic()
    steps = 0
    with (
        open(log_path, "w") as log,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            shown = re.match(r"(Collecting|Processing|Epochs|Training|Running|Installing)\s*(\S*)", line)
            if shown:
                steps += 1
                of = f"/{total}" if total else ""
                status = f"   {label}: [{steps}{of}] {shown.group(1)} {shown.group(2)}"[:100]
                if sys.stdout.isatty():
                    print(f"\r{status:<100}", end="", flush=True)
                elif steps % 25 == 0:  # logs (CI) get a line now and then instead of a redrawn one
                    print(status.strip(), flush=True)
        code = proc.wait()
    if sys.stdout.isatty():
        print("\r" + " " * 100 + "\r", end="")
    if code != 0:
        tail = log_path.read_text().splitlines()[-40:]
        raise SetupError(f"{label} failed (exit {code}); last lines of {log_path}:\n" + "\n".join(tail))
    log_path.unlink()
    say(f"{label}: done in {time.monotonic() - started:.0f} s")


def ensure_venv(link: str, python: str, lock_file: str) -> Path:
    lock = ROOT / lock_file
    version = ".".join(map(str, python_version(python) or ()))
    target = CACHE / "venvs" / f"{link.strip('.')}-{digest([lock], extra=version)}"
    with locked("venvs"):
        if not (target / ".complete").exists():
            if target.exists():
                shutil.rmtree(target)
            say(f"Creating {link} with Python {version} (once per lock-file change; a few minutes)")
            subprocess.run([python, "-m", "venv", str(target)], check=True)
            packages = sum(1 for line in lock.read_text().splitlines() if line and not line.startswith("#"))
            pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
            run_with_progress([*pip, "--no-deps", "-r", str(lock)], f"install {link}", total=packages)
            subprocess.run([str(target / "bin" / "python"), "-m", "pip", "check"], check=True)
            (target / ".complete").write_text(lock_file + "\n")
    link_path = ROOT / link
    if link_path.is_symlink() or link_path.exists():
        if link_path.is_symlink() and Path(os.readlink(link_path)) == target:
            return target
        if link_path.is_symlink() or link_path.is_file():
            link_path.unlink()
        else:
            shutil.rmtree(link_path)
    link_path.symlink_to(target)
    return target


def ensure_envs() -> None:
    ensure_venv(".venv-engine", find_engine_python(), "requirements/engine.lock")
    ensure_venv(".venv", find_service_python(), "requirements/service.lock")
    say(".venv (service) and .venv-engine (Rasa) are ready")


def ensure_model() -> Path:
    key = digest([ROOT / p for p in ENGINE_INPUTS])
    models = CACHE / "models"
    model = models / f"{key}.tar.gz"
    with locked("models"):
        if not model.exists():
            say("Training the Rasa model (config, domain or data changed; about a minute)")
            rasa = str(ROOT / ".venv-engine" / "bin" / "rasa")
            run_with_progress([rasa, "train", "--fixed-model-name", key, "--out", str(models), "--quiet"], "rasa train")
        else:
            say(f"Model up to date ({model.name})")
    current = ROOT / "models" / "current.tar.gz"
    current.parent.mkdir(exist_ok=True)
    if current.is_symlink() or current.exists():
        current.unlink()
    current.symlink_to(model)
    ensure_knowledge_index()
    return model


def ensure_knowledge_index() -> None:
    """The service's knowledge matcher (embeddings + classifier) is cached by content hash too; building it here
    keeps the first service start and the first test fast."""
    say("Knowledge matcher: building it if knowledge/ changed (a few minutes on a cold cache)")
    with locked("knowledge-index"):
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "bot", "kb-index"], cwd=ROOT, check=True)


CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def ensure_browser() -> None:
    """Debian's Chromium for the Playwright tests (Playwright's own browser download is not used)."""
    if CHROMIUM.exists():
        say(f"Chromium present ({CHROMIUM})")
        return
    apt = shutil.which("apt-get")
    if not apt:
        raise SetupError(f"the browser tests need Chromium at {CHROMIUM}; install it or set CHROMIUM_PATH")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if sudo and not shutil.which("sudo"):
        raise SetupError("installing Chromium needs root: run `sudo apt-get install -y chromium`")
    say("Installing Debian's chromium for the browser tests (once, about a minute)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, apt, "update"], check=False, env=env, capture_output=True)
    run_with_progress([*sudo, apt, "install", "-y", "--no-install-recommends", "chromium"], "install chromium")


def requirements(name: str) -> list[str]:
    """What an environment needs, as pip requirement lines: the service's from pyproject.toml (runtime and dev, one
    environment for both), the engine's from requirements/engine.in (another interpreter, another list)."""
    if name == "engine":
        lines = (ROOT / "requirements/engine.in").read_text().splitlines()
        return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    import tomllib  # the service's Python (>= 3.11) runs `make lock`; the engine's 3.10 never reads pyproject

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def regenerate_locks(only: str | None = None, upgrade: bool = False) -> None:
    """Resolves each environment's requirements into its lock file. Versions already in the lock stay as they are
    (the lock is a constraint) unless `upgrade`: adding a package does not move every other one."""
    for name, find_python in (("engine", find_engine_python), ("service", find_service_python)):
        if only and name != only:
            continue
        python = find_python()
        lock = ROOT / f"requirements/{name}.lock"
        source = "pyproject.toml" if name == "service" else f"requirements/{name}.in"
        with tempfile.TemporaryDirectory() as tmp:
            say(f"Resolving {source}" + (" (upgrading every package)" if upgrade else " (keeping locked versions)"))
            wanted = Path(tmp) / "requirements.txt"
            wanted.write_text("\n".join(requirements(name)) + "\n")
            subprocess.run([python, "-m", "venv", f"{tmp}/venv"], check=True)
            pip = [f"{tmp}/venv/bin/python", "-m", "pip"]
            command = [*pip, "install", "-r", str(wanted)]
            if lock.exists() and not upgrade:
                pins = Path(tmp) / "constraints.txt"
                pins.write_text("".join(line + "\n" for line in lock.read_text().splitlines() if "==" in line))
                command += ["-c", str(pins)]
            run_with_progress(command, f"resolve {name}")
            frozen = subprocess.run([*pip, "freeze", "--all"], capture_output=True, text=True, check=True).stdout
            header = f"# Generated by `make lock` from {source}; do not edit.\n"
            lock.write_text(header + frozen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["envs", "train", "browser", "lock"])
    parser.add_argument("environment", nargs="?", choices=["engine", "service"], help="lock only this one")
    parser.add_argument("--upgrade", action="store_true", help="lock: newest versions, not the locked ones")
    args = parser.parse_args()
    try:
        if args.step == "lock":
            regenerate_locks(args.environment, args.upgrade)
        else:
            {"envs": ensure_envs, "train": ensure_model, "browser": ensure_browser}[args.step]()
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
