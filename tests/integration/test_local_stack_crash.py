"""A worker killed with SIGKILL mid-article loses nothing: its messages come back and are processed once."""

from __future__ import annotations

import json
import logging
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from precis.local.stack import EmbeddedStack, StackOptions
from precis.stack.status import queues_status
from tests.conftest import SEEDS
from tests.integration.crash_handler import CALLS, GATE_VARIABLE, RELEASE
from tests.integration.test_local_stack import DRAINED, eventually, upload, wait_for

HANDLER = "tests.integration.crash_handler:create"
# Short, but the handler starts no article with under 15 s of the invocation left.
FUNCTION_TIMEOUT = 18
# Above the function timeout, as Lambda requires: by the time the killed worker's messages come back, the
# idempotency record its run left "in progress" has expired, so the next run is not refused as a duplicate.
VISIBILITY_TIMEOUT = 22
ARTICLES = 6


def articles() -> dict[str, bytes]:
    """Short, distinct French articles, under keys with a space and an accent as people name files."""
    seeds = [(SEEDS / name).read_bytes() for name in ("fr-01.txt", "fr-02.txt")]
    return {
        f"crash/dépêche {number}.txt": seeds[number % 2] + f"\nDépêche n° {number}.\n".encode()
        for number in range(ARTICLES)
    }


def calls(gate: Path) -> list[dict[str, Any]]:
    """What the workers' handlers logged so far: deliveries, articles held at the gate, articles done."""
    path = gate / CALLS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def holder(gate: Path) -> int | None:
    """The pid of a worker stopped mid-article, once there is one."""
    return next((call["pid"] for call in calls(gate) if "holding" in call), None)


def delivered_keys(log: list[dict[str, Any]], pids: set[int], first_receive: bool) -> set[str]:
    """Keys delivered to these workers, on a first receive or on a later one."""
    return {
        key
        for call in log
        if call["pid"] in pids and "keys" in call and (call["receive_count"] == 1) == first_receive
        for key in call["keys"]
    }


@pytest.mark.parametrize("workers", [1, 2], ids=["restarted-worker", "surviving-worker"])
def test_local_stack_worker_killed_mid_batch_loses_nothing(
    workers: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="precis.local.stack")
    options = StackOptions(
        port=0,
        workers=workers,
        handler=HANDLER,
        function_timeout=FUNCTION_TIMEOUT,
        visibility_timeout=VISIBILITY_TIMEOUT,
        max_receive_count=2,
        environment={GATE_VARIABLE: str(tmp_path)},
    )
    with EmbeddedStack(options) as stack:
        stack.wait_ready(120)
        target = stack.started_target()
        assert eventually(lambda: queues_status(target)["queue"] == DRAINED)  # S3's test event is handled
        uploads = [upload(target, key, body) for key, body in articles().items()]
        assert eventually(lambda: holder(tmp_path) is not None)
        victim = holder(tmp_path)
        assert victim is not None
        held = delivered_keys(calls(tmp_path), {victim}, first_receive=True)
        in_flight = queues_status(target)["queue"]["in_flight"]
        os.kill(victim, signal.SIGKILL)
        (tmp_path / RELEASE).touch()

        items = wait_for(target, uploads)
        assert eventually(lambda: queues_status(target) == {"queue": DRAINED, "dead_letter_queue": DRAINED})
        dead = stack.dead_workers()

    log = calls(tmp_path)
    others = {call["pid"] for call in log} - {victim}
    assert held and in_flight >= len(held)
    assert held <= delivered_keys(log, others, first_receive=False)
    assert {key: item["status"] for key, item in items.items()} == dict.fromkeys(articles(), "done")
    assert Counter(call["summarised"] for call in log if "summarised" in call) == Counter(
        {uploaded.etag: 1 for uploaded in uploads}
    )
    assert dead == []
    assert any("died (killed by SIGKILL); restarting it" in record.getMessage() for record in caplog.records)
