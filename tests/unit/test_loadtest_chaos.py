"""The chaos load test's fault hooks and log counting, without a stack: what is injected is what botocore
meets, and a run whose delivery then failed is told apart from a run twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from tools.loadtest.audit import read_handler_log
from tools.loadtest.chaos import Chaos

BUCKET = "chaos-bucket"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A moto bucket with two objects, read through a client that tries each call twice."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
        client.create_bucket(Bucket=BUCKET)
        for key in ("doomed.txt", "fine.txt"):
            client.put_object(Bucket=BUCKET, Key=key, Body=b"texte")
        yield client


def test_chaos_dooms_reads_of_listed_keys_only(s3: object) -> None:
    Chaos(0.0, 0.0, {"doomed.txt"}, None).install(s3, "s3")

    assert s3.get_object(Bucket=BUCKET, Key="fine.txt")["Body"].read() == b"texte"  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=BUCKET, Key="doomed.txt")  # type: ignore[attr-defined]
    assert raised.value.response["Error"]["Code"] == "SlowDown"


def test_chaos_transient_faults_are_retried_by_botocore(
    s3: object, capsys: pytest.CaptureFixture[str]
) -> None:
    Chaos(1.0, 0.0, set(), None).install(s3, "s3")

    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=BUCKET, Key="fine.txt")  # type: ignore[attr-defined]

    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [json.loads(line)["chaos"] for line in capsys.readouterr().err.splitlines()] == ["transient"] * 2


def test_chaos_outages_strike_only_while_processing_and_skip_retries(s3: object) -> None:
    chaos = Chaos(0.0, 1.0, set(), None)
    chaos.install(s3, "s3")
    assert s3.get_object(Bucket=BUCKET, Key="fine.txt")["Body"].read() == b"texte"  # type: ignore[attr-defined]

    chaos.processing.active = True
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=BUCKET, Key="fine.txt")  # type: ignore[attr-defined]

    assert "RetryAttempts" not in raised.value.response["ResponseMetadata"]


def test_handler_log_tells_a_repeated_run_from_a_run_twice(tmp_path: Path) -> None:
    def line(outcome: str, request: str, key: str = "a.txt") -> str:
        return json.dumps({"outcome": outcome, "function_request_id": request, "correlation_id": key})

    lines = [
        line("processed", "r1"),
        line("retry", "r1"),  # the delivery failed after the run: SQS delivers it again
        line("processed", "r2"),
        line("duplicate", "r3"),
        line("processed", "r4", "b.txt"),
        line("processed", "r5", "b.txt"),  # an acknowledged second run
        line("gave_up", "r6", "c.txt"),
        json.dumps({"chaos": "transient"}),
        "2026-12-03 worker-0 INFO Article summarised",
    ]
    (tmp_path / "workers.log").write_text("\n".join(lines), encoding="utf-8")

    log = read_handler_log(tmp_path / "workers.log")

    assert (log.runs["a.txt"], log.repeated["a.txt"], log.acknowledged("a.txt")) == (2, 1, 1)
    assert log.acknowledged("b.txt") == 2
    assert (log.skipped, log.retried, log.gave_up) == (1, 1, frozenset({"c.txt"}))
    assert log.faults == {"transient": 1}
