"""Reprocessing through the queue: the same object under the same code is skipped, under new code rerun."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any, cast

from precis.aws.index import listing_summary
from precis.aws.query import Listing
from precis.names import LOCAL_NAMES
from precis.stack.reprocess import Candidate, bucket_objects, enqueue, listed, notifications, stale
from precis.stack.target import Target, local_session
from tests.conftest import result_item
from tests.integration.conftest import (
    SEED,
    SHORT_SEED,
    Handler,
    LambdaContext,
    Stack,
    s3_notification,
    sqs_event,
)

KEY = "archives/otan.txt"


def target() -> Target:
    """The moto account's stack, as the CLI sees it."""
    return Target(local_session(), None, LOCAL_NAMES)


def processed(handler: Handler, stack: Stack) -> None:
    """Upload the seed and deliver its notification as S3 would (with a sequencer and the version id)."""
    version = stack.s3.put_object(Bucket=LOCAL_NAMES.bucket, Key=KEY, Body=SEED.read_bytes())["VersionId"]
    stack.receive_event()
    etag = hashlib.md5(SEED.read_bytes()).hexdigest()
    body = s3_notification(
        KEY, etag=etag, sequencer="0A1B", event_time="2026-12-02T08:00:00.000Z", version_id=version
    )
    handler.lambda_handler(sqs_event(body), LambdaContext())


def reprocess(handler: Handler, stack: Stack, candidates: list[Candidate]) -> Any:
    """Enqueue the candidates as `precis reprocess` does, then let the function take the messages."""
    assert sum(enqueue(target(), notifications(target(), candidates))) == len(candidates)
    return handler.lambda_handler(stack.receive_event(), LambdaContext())


def test_reprocess_message_carries_the_stored_order_and_time_of_an_unchanged_object(
    handler: Handler, stack: Stack
) -> None:
    processed(handler, stack)
    [listed_object] = list(bucket_objects(target()))
    [body] = list(notifications(target(), [listed_object, replace(listed_object, etag="other")]))[:1]

    record = json.loads(body)["Records"][0]
    assert record["s3"]["object"]["sequencer"] == "0A1B"
    assert record["s3"]["object"]["versionId"] == stack.result(KEY)["version_id"]
    assert record["eventTime"] == stack.result(KEY)["event_time"]


def test_reprocess_under_the_same_code_is_a_duplicate_and_runs_nothing(
    handler: Handler, stack: Stack, nlp_runs: list[bytes]
) -> None:
    processed(handler, stack)
    before = stack.result(KEY)

    assert reprocess(handler, stack, list(bucket_objects(target()))) == {"batchItemFailures": []}

    assert len(nlp_runs) == 1
    assert stack.result(KEY)["processed_at"] == before["processed_at"]


def test_reprocess_under_another_model_reruns_the_nlp_and_replaces_the_item(
    handler: Handler, stack: Stack, nlp_runs: list[bytes]
) -> None:
    processed(handler, stack)
    newer = handler.rebuilt(settings=replace(handler.function.settings, models={"fr": "fr_core_news_md"}))
    listing = stack.archive().recent().items

    reprocess(newer, stack, list(listed(listing)))

    assert len(nlp_runs) == 2
    assert stack.result(KEY)["processed_at"] > listing[0]["processed_at"]


def test_reprocess_sends_a_changed_object_as_its_new_upload(handler: Handler, stack: Stack) -> None:
    processed(handler, stack)
    stack.upload(KEY, SHORT_SEED.read_bytes())
    stack.receive_event()

    reprocess(handler, stack, list(bucket_objects(target())))

    assert stack.result(KEY)["title"].startswith("Sécheresse")


def listing(**changes: Any) -> Listing:
    """A listing of a done item made by the running code with the small French model, with changes."""
    summary = listing_summary(result_item("b", "k.txt", model_name="fr_core_news_sm"))
    return cast(Listing, {**summary, **changes})


def test_reprocess_stale_means_another_pipeline_version_or_model() -> None:
    models = {"fr": "fr_core_news_sm"}

    assert not stale(listing(), models)
    assert stale(listing(pipeline_version="0"), models)
    assert stale(listing(model_name="fr_core_news_md"), models)
    failed = listing(status="failed")
    del failed["model_name"]
    assert not stale(failed, models)
