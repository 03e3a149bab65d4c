"""What `precis serve` shows of its workers' logs by default: each article's outcome, warnings and errors.

The workers write everything (the handler's JSON lines, metrics, botocore and Powertools chatter) to a
file; a thread follows it and prints the lines a person needs. `-v` skips all this and shows it raw.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

FOLLOW_SECONDS = 0.2
SHOWN_LEVELS = ("WARNING", "ERROR", "CRITICAL")
# local.worker's own lines: `2026-12-02 22:40:01,123 worker-0 WARNING polling failed ...`
WORKER_LINE = re.compile(r"^\S+ \S+ (?P<worker>worker-\d+) (?P<level>[A-Z]+) (?P<message>.*)$")


def condensed(line: str) -> str | None:
    """The line a person reads for one raw log line, or None when it is chatter."""
    text = line.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            return None
        return _from_record(record) if isinstance(record, dict) else None
    match = WORKER_LINE.match(text)
    if match and match["level"] in SHOWN_LEVELS:
        return f"{match['worker']} {match['level'].lower()}: {match['message']}"
    return None


def _from_record(record: Mapping[str, Any]) -> str | None:
    """An outcome line as `processed  fr-03.txt (fr, 14 entities, 812 ms)`; a warning or error as itself."""
    outcome, key = record.get("outcome"), record.get("correlation_id") or "?"
    if outcome == "processed":
        details = (
            f"{record.get('language')}, {record.get('entities')} entities, {record.get('processing_ms')} ms"
        )
        return f"{outcome:<10} {key} ({details})"
    if outcome == "failed":
        return f"{outcome:<10} {key}: {record.get('reason')}"
    if outcome:
        return f"{outcome:<10} {key}" + (f": {record['message']}" if outcome == "retry" else "")
    if str(record.get("level", "")).upper() in SHOWN_LEVELS:
        return f"{str(record['level']).lower()}: {record.get('message')}"
    return None


def follow(path: Path, stop: threading.Event, output: TextIO) -> None:
    """Print the condensed lines of a growing file until asked to stop, then what is left of it."""
    pending = ""
    with path.open(encoding="utf-8", errors="replace") as log:
        while True:
            stopping = stop.is_set()
            for chunk in iter(log.readline, ""):
                pending += chunk
                if pending.endswith("\n") or stopping:
                    shown, pending = condensed(pending), ""
                    if shown is not None:
                        print(f"precis: {shown}", file=output, flush=True)
            if stopping:
                return
            stop.wait(FOLLOW_SECONDS)


@contextmanager
def condensed_log(path: Path) -> Iterator[None]:
    """Follow the workers' log file on a thread for the lifetime of the stack."""
    path.touch()
    stop = threading.Event()
    thread = threading.Thread(target=follow, args=(path, stop, sys.stderr), name="worker-log", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
