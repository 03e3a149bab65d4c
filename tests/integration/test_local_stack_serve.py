"""`precis serve` as a user runs it: a banner on stdout; Ctrl-C or SIGTERM stops every process it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from precis.local.stack import StackOptions
from precis.names import LOCAL_NAMES
from precis.stack.target import local_target

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLER = "tests.integration.poison_handler:create"
# The stack gives a worker its poll, a whole function timeout and 5 s to finish (EmbeddedStack.stop); a
# loaded machine can need much of it, so the test waits as long, plus the server's own stop.
STOP_GRACE = StackOptions().wait_seconds + StackOptions().function_timeout + 5 + 15.0


def group_alive(group: int) -> bool:
    """Whether any process of the session's process group (the server and its workers) still exists."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def stopped(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Exit code and stderr once the stop is through; a stop that outlasts the workers' grace fails the test
    with what the process said (its stderr is otherwise lost with the kill)."""
    try:
        _, err = process.communicate(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(
            f"serve did not stop in {STOP_GRACE:.0f} s; its stderr:\n{process.communicate()[1][-4000:]}"
        )
    return process.returncode, err


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
    # Started as a script's background job is: with SIGINT ignored, which Python would otherwise keep.
    process = subprocess.Popen(
        ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *command],
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
        code, err = stopped(process)
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


def test_local_stack_serve_shows_each_outcome_and_hides_library_chatter(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "precis.cli", "serve", "--port", "0", "--workers", "1"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None and process.stderr is not None
        endpoint = re.findall(r"http://127\.0\.0\.1:\d+", process.stdout.readline())[0]
        reader = threading.Thread(target=lines.extend, args=(process.stderr,), daemon=True)
        reader.start()
        assert wait_for_line(lines, "workers ready")
        bucket = local_target(endpoint).client("s3")
        bucket.put_object(
            Bucket=LOCAL_NAMES.bucket, Key="fr-03.txt", Body=(REPO_ROOT / "seeds/fr-03.txt").read_bytes()
        )
        bucket.put_object(Bucket=LOCAL_NAMES.bucket, Key="empty.txt", Body=b"  \n")
        assert wait_for_line(lines, "processed  fr-03.txt (fr, ") and wait_for_line(
            lines, "failed     empty.txt"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_GRACE) == 0
        reader.join(10)
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)

    err = "".join(lines)
    assert "precis: failed     empty.txt: the file is empty or contains only whitespace\n" in err
    assert all(line.startswith("precis: ") for line in lines), err
    assert '"_aws"' not in err and "credentials" not in err and "Warning" not in err


def wait_for_line(lines: list[str], text: str, timeout: float = 180) -> bool:
    """Whether a line holding `text` arrives on the process's stderr in time."""
    deadline = time.monotonic() + timeout
    while not any(text in line for line in lines):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
