"""`python -m bot run` stops everything it started on SIGTERM, as systemd, Docker and Kubernetes send it, and exits 0;
before, SIGTERM killed the runner alone and left the engine and the service running without a parent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.infra.settings import PROJECT_ROOT
from bot.stack import free_port

pytestmark = pytest.mark.e2e

RUNNER = """
import sys
from pathlib import Path
from bot.infra.settings import Settings
from bot.stack import Stack, run_stack
root, service_port, engine_port = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
settings = Settings(database_url=f"sqlite:///{root / 'run.db'}")
stack = Stack(settings, service_port=service_port, engine_port=engine_port, log_dir=root / "log")
sys.exit(run_stack(settings, stack))
"""


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_engine_and_service_and_exits_0(tmp_path: Path) -> None:
    service_port, engine_port = free_port(), free_port()
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(tmp_path), str(service_port), str(engine_port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert runner.stdout is not None
        output = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = runner.stdout.readline()
            output.append(line)
            if "is ready" in line or not line:
                break
        assert "is ready" in "".join(output), "".join(output)
        started = children_of(runner.pid)
        assert len(started) == 2  # engine and service

        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=60) == 0
        assert not [pid for pid in started if alive(pid)]
        assert not listening(service_port) and not listening(engine_port)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
