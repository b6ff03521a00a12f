"""A hung test stops the run at once, naming the test and showing what its threads and asyncio tasks wait for."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bot.infra.settings import PROJECT_ROOT


def test_a_hung_test_ends_the_run_with_its_threads_and_tasks(tmp_path: Path) -> None:
    hanging = "import asyncio\n\n\ndef test_hangs():\n    asyncio.run(asyncio.sleep(120))\n"
    (tmp_path / "test_hangs.py").write_text(hanging)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "GLUECKAUF_TEST_TIME_LIMIT": "2"},
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.returncode == 3
    assert time.monotonic() - started < 90
    output = result.stdout + result.stderr
    assert "test_hangs.py::test_hangs took more than 2 s" in output
    assert "Task pending" in output and "sleep" in output
