"""moto made to behave as AWS does where the embedded stack relies on it, service by service.

Each module documents the gap it closes; `install()` applies them all, once per process: the embedded
stack does at start, the tests before any moto call, the benchmark in its child processes.
"""

from __future__ import annotations

from precis.local.emulation import dynamodb, s3, sqs


def install() -> None:
    """Patch moto's backends in this process (idempotent)."""
    dynamodb.install()
    sqs.install()
    s3.install()
