"""`precis serve` as a user runs it: a banner on stdout; Ctrl-C or SIGTERM stops every process it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLER = "tests.integration.poison_handler:create"


def group_alive(group: int) -> bool:
    """Whether any process of the session's process group (the server and its workers) still exists."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_local_stack_serve_stops_cleanly_on_signal(stop_signal: signal.Signals) -> None:
    command = [
        sys.executable,
        "-m",
        "precis.cli",
        "serve",
        "--port",
        "0",
        "--workers",
        "1",
        "--handler",
        HANDLER,
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        banner = process.stdout.readline()
        ready = next(line for line in process.stderr if "workers ready" in line or "error" in line)
        process.send_signal(stop_signal)
        code = process.wait(timeout=30)
        err = process.communicate()[1]
        deadline = time.monotonic() + 5
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)

    assert re.match(r"Précis embedded stack at http://127\.0\.0\.1:\d+ ", banner)
    assert "workers ready" in ready
    assert code == 0
    assert "stopped" in err
    assert "Traceback" not in err
    assert not group_alive(process.pid)
