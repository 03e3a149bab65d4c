"""The embedded stack builds what template.yaml declares, so local runs behave like the deployed stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from precis.local.resources import DLQ_RETENTION_SECONDS, create_resources, notification_configuration
from precis.local.stack import LAYER_ONLY_ENVIRONMENT, StackOptions, function_environment
from precis.local.worker import WorkerConfig
from precis.names import LOCAL_NAMES
from precis.stack.target import Target, local_session, local_target

OPTIONS = StackOptions()


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The embedded stack's resources, created in an in-process moto account."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        target = Target(local_session(), None, LOCAL_NAMES)
        create_resources(target, visibility_timeout=OPTIONS.visibility_timeout, max_receive_count=5)
        yield target


def test_local_stack_timeouts_and_redrive_match_the_template(resources: dict[str, Any]) -> None:
    queue = resources["ArticlesQueue"]["Properties"]
    function = resources["SummariseFunction"]["Properties"]

    assert OPTIONS.visibility_timeout == queue["VisibilityTimeout"]
    assert OPTIONS.max_receive_count == queue["RedrivePolicy"]["maxReceiveCount"]
    assert OPTIONS.function_timeout == function["Timeout"]
    assert OPTIONS.memory_mb == function["MemorySize"]
    assert (
        function["Events"]["Articles"]["Properties"]["BatchSize"] == WorkerConfig("", "", "", {}).batch_size
    )
    assert resources["DeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == DLQ_RETENTION_SECONDS


def test_local_stack_notifications_match_the_template(resources: dict[str, Any]) -> None:
    declared = resources["ArticlesBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    created = notification_configuration("arn")["QueueConfigurations"]

    assert [(c["Event"], c.get("Filter")) for c in declared] == [
        (c["Events"][0], c.get("Filter")) for c in created
    ]


def test_local_stack_function_environment_matches_the_template(template: dict[str, Any]) -> None:
    declared = template["Resources"]["SummariseFunction"]["Properties"]["Environment"]["Variables"]
    local = function_environment(OPTIONS, local_target("http://127.0.0.1:4566"))

    assert set(declared) - LAYER_ONLY_ENVIRONMENT <= set(local)
    assert not LAYER_ONLY_ENVIRONMENT & set(local)
    assert set(declared) >= LAYER_ONLY_ENVIRONMENT
    assert {name: local[name] for name in declared if name.startswith("POWERTOOLS_")} == {
        name: value for name, value in declared.items() if name.startswith("POWERTOOLS_")
    }
    parameters = template["Parameters"]
    assert local["PRECIS_MODELS"] == f"fr={parameters['SpacyModel']['Default']}"
    assert local["PRECIS_MAX_OBJECT_BYTES"] == str(parameters["MaxObjectBytes"]["Default"])


@pytest.mark.parametrize(
    ("logical_id", "name"),
    [("ResultsTable", "table"), ("IndexTable", "index_table"), ("IdempotencyTable", "idempotency_table")],
)
def test_local_stack_tables_match_the_template(
    resources: dict[str, Any], local: Any, logical_id: str, name: str
) -> None:
    declared = resources[logical_id]["Properties"]
    described = local.client("dynamodb").describe_table(TableName=getattr(LOCAL_NAMES, name))["Table"]

    assert described["KeySchema"] == declared["KeySchema"]
    assert described["AttributeDefinitions"] == declared["AttributeDefinitions"]
    assert described["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
    time_to_live = local.client("dynamodb").describe_time_to_live(TableName=getattr(LOCAL_NAMES, name))
    declared_ttl = declared.get("TimeToLiveSpecification", {"Enabled": False})
    expected = "ENABLED" if declared_ttl["Enabled"] else "DISABLED"
    assert time_to_live["TimeToLiveDescription"]["TimeToLiveStatus"] == expected
    if declared_ttl["Enabled"]:
        assert time_to_live["TimeToLiveDescription"]["AttributeName"] == declared_ttl["AttributeName"]


@pytest.mark.parametrize(
    ("logical_id", "name"), [("ArticlesBucket", "bucket"), ("ResultsBucket", "results_bucket")]
)
def test_local_stack_buckets_match_the_template(
    resources: dict[str, Any], local: Any, logical_id: str, name: str
) -> None:
    declared = resources[logical_id]["Properties"]
    s3 = local.client("s3")
    bucket = getattr(LOCAL_NAMES, name)

    notifications = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == declared["VersioningConfiguration"]["Status"]
    assert bool(notifications.get("QueueConfigurations")) == ("NotificationConfiguration" in declared)
