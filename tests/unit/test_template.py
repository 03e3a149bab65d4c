"""template.yaml keeps the platform's promises (RELIABILITY.md) and the hardening no checker fully covers."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from precis.aws.settings import DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MAX_RECEIVE_COUNT, Settings
from precis.local.resources import NOTIFIED_EVENTS
from precis.names import ResourceNames
from tests.cfn import (
    BUCKET_ARN,
    NAMES,
    RESULTS_BUCKET_ARN,
    ROLE,
    as_list,
    dependencies,
    function,
    function_statements,
    grant,
    keys,
    props,
    sqs_event,
    statements,
    strings,
)
from tests.conftest import REPO_ROOT
from tools.benchmark.lambda_cold import LANGID_FOLDER

ROOT = Path(__file__).resolve().parent.parent.parent
# The only keys the function may write or delete in the results bucket.
RESULTS_KEYS = "results/*"
# With ListBucket, S3 answers 404 for a deleted article (which the function records as failed), not 403.
LIST_ACTIONS = {"s3:ListBucket"}
# Everything the role could ever do on the articles bucket or its objects: reading, never writing.
ARTICLES_ACTIONS = {"s3:GetObject", "s3:GetObjectVersion"} | LIST_ACTIONS
LARGE_RESULT_ACTIONS = {"s3:PutObject", "s3:DeleteObject"}
QUEUE_ACTIONS = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# These two have no resource type in IAM (Service Authorization Reference, AWS X-Ray): only "*" can name them.
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# Each ResourceNames field and the resource whose physical name it is.
NAMED_RESOURCES = {
    "bucket": ("ArticlesBucket", "BucketName"),
    "table": ("ResultsTable", "TableName"),
    "index_table": ("IndexTable", "TableName"),
    "queue": ("ArticlesQueue", "QueueName"),
    "dead_letter_queue": ("DeadLetterQueue", "QueueName"),
    "idempotency_table": ("IdempotencyTable", "TableName"),
    "results_bucket": ("ResultsBucket", "BucketName"),
}
# Each bucket with its TLS-only policy and its name; both get the same hardening.
BUCKETS = [
    pytest.param("ArticlesBucket", "ArticlesBucketPolicy", BUCKET_ARN, id="articles"),
    pytest.param("ResultsBucket", "ResultsBucketPolicy", RESULTS_BUCKET_ARN, id="results"),
]
TABLES = ["ResultsTable", "IndexTable", "IdempotencyTable"]
# Each table's key: one item per object or per idempotency record, and the index's question and answer.
KEYS = {
    "ResultsTable": [("id", "HASH")],
    "IdempotencyTable": [("id", "HASH")],
    "IndexTable": [("pk", "HASH"), ("sk", "RANGE")],
}


def test_template_names_every_resource_names_field() -> None:
    assert set(NAMED_RESOURCES) == {field.name for field in dataclasses.fields(ResourceNames)}


@pytest.mark.parametrize("field", NAMED_RESOURCES)
def test_template_physical_names_are_those_of_resource_names(resources: dict[str, Any], field: str) -> None:
    logical_id, name_property = NAMED_RESOURCES[field]
    assert props(resources, logical_id)[name_property] == {"Fn::Sub": getattr(NAMES, field)}


def test_template_every_bucket_arn_names_a_bucket_of_the_stack(template: dict[str, Any]) -> None:
    arns = {text for text in strings(template) if text.startswith("arn:${AWS::Partition}:s3:::")}
    assert arns == {
        BUCKET_ARN,
        f"{BUCKET_ARN}/*",
        RESULTS_BUCKET_ARN,
        f"{RESULTS_BUCKET_ARN}/*",
        f"{RESULTS_BUCKET_ARN}/{RESULTS_KEYS}",
    }


def test_template_notifies_the_queue_of_every_upload_and_deletion(resources: dict[str, Any]) -> None:
    configurations = props(resources, "ArticlesBucket")["NotificationConfiguration"]["QueueConfigurations"]
    assert [c["Event"] for c in configurations] == list(NOTIFIED_EVENTS)
    assert not any("Filter" in c for c in configurations)
    assert all(c["Queue"] == {"Fn::GetAtt": ["ArticlesQueue", "Arn"]} for c in configurations)


def test_template_bucket_waits_for_the_queue_policy(resources: dict[str, Any]) -> None:
    assert "ArticlesQueuePolicy" in as_list(resources["ArticlesBucket"].get("DependsOn", []))


def test_template_only_the_articles_bucket_sends_events(resources: dict[str, Any]) -> None:
    # The function writes into the results bucket: an event from it could start a loop.
    buckets = {logical_id for logical_id, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    assert buckets == {"ArticlesBucket", "ResultsBucket"}
    for logical_id in buckets - {"ArticlesBucket"}:
        assert "NotificationConfiguration" not in props(resources, logical_id), logical_id


def test_template_queue_policy_admits_only_the_articles_bucket(resources: dict[str, Any]) -> None:
    policy = props(resources, "ArticlesQueuePolicy")
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert policy["Queues"] == [{"Ref": "ArticlesQueue"}]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == {"Fn::Sub": BUCKET_ARN}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_template_visibility_timeout_is_at_least_six_function_timeouts(resources: dict[str, Any]) -> None:
    assert props(resources, "ArticlesQueue")["VisibilityTimeout"] >= 6 * function(resources)["Timeout"]


def test_template_sqs_event_reports_partial_batch_failures(resources: dict[str, Any]) -> None:
    event = sqs_event(resources)
    assert event["Queue"] == {"Fn::GetAtt": ["ArticlesQueue", "Arn"]}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["BatchSize"] == 10


def test_template_poison_messages_reach_the_dead_letter_queue(resources: dict[str, Any]) -> None:
    assert props(resources, "ArticlesQueue")["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert props(resources, "DeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_template_function_knows_the_last_receive_before_the_dead_letter_queue(
    resources: dict[str, Any],
) -> None:
    # The handler records a give-up on this receive; another value would record it too early or never.
    variables = function(resources)["Environment"]["Variables"]
    receives = props(resources, "ArticlesQueue")["RedrivePolicy"]["maxReceiveCount"]
    assert int(variables["PRECIS_MAX_RECEIVE_COUNT"]) == receives == DEFAULT_MAX_RECEIVE_COUNT


def test_template_only_the_xray_statement_allows_every_resource(template: dict[str, Any]) -> None:
    allowed = [s for s in statements(template["Resources"]) if s["Effect"] == "Allow"]
    assert allowed
    for statement in allowed:
        assert not {"NotAction", "NotResource"} & set(statement), statement
        assert not any("*" in action for action in as_list(statement["Action"])), statement
    unscoped = [s for s in allowed if "*" in as_list(s.get("Resource", []))]
    assert unscoped == [s for s in function_statements(template["Resources"]) if s["Resource"] == "*"]
    (xray,) = unscoped
    assert set(as_list(xray["Action"])) == XRAY_ACTIONS
    assert "Condition" not in xray


def test_template_function_has_its_own_role_and_no_managed_policies(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert resources[ROLE]["Type"] == "AWS::IAM::Role"
    # Without Role, SAM generates one with AWSLambdaBasicExecutionRole and friends; Policies would add to it.
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert "Role" in resource["Properties"], logical_id
        if resource["Type"] != "AWS::IAM::Role":
            assert "Policies" not in set(keys(resource)), logical_id
    assert not {"Role", "Policies"} & set(keys(template.get("Globals", {})))
    assert "ManagedPolicyArns" not in set(keys(template))
    assert not [text for text in strings(template) if ":iam::aws:policy/" in text]
    assert not [r for r in resources.values() if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")]


def test_template_role_is_assumed_by_lambda_only(resources: dict[str, Any]) -> None:
    assert props(resources, ROLE)["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


def test_template_role_grants_the_platform_exactly_what_it_needs(resources: dict[str, Any]) -> None:
    # The S3 and DynamoDB grants the code needs are recorded from real runs and compared in
    # tests/integration/test_aws_handler_grants.py; these are the SQS poller's, the runtime's, the tracer's.
    log_group = function(resources)["LoggingConfig"]["LogGroup"]["Ref"]
    expected = [
        (QUEUE_ACTIONS, sqs_event(resources)["Queue"]),
        (LOG_ACTIONS, {"Fn::GetAtt": [log_group, "Arn"]}),
        (LIST_ACTIONS, {"Fn::Sub": BUCKET_ARN}),
        (XRAY_ACTIONS, "*"),
    ]
    granted = function_statements(resources)
    assert all(set(s) == {"Sid", "Effect", "Action", "Resource"} and s["Effect"] == "Allow" for s in granted)
    platform = [
        s
        for s in granted
        if set(as_list(s["Action"])) & (QUEUE_ACTIONS | LOG_ACTIONS | LIST_ACTIONS | XRAY_ACTIONS)
    ]
    wanted = [grant({"Action": list(actions), "Resource": resource}) for actions, resource in expected]
    assert sorted(map(grant, platform)) == sorted(wanted)


@pytest.mark.parametrize("bucket", ["ArticlesBucket", "ResultsBucket"])
def test_template_role_does_not_wait_for_the_buckets(resources: dict[str, Any], bucket: str) -> None:
    # A bucket's ARN is known from its name: waiting for the bucket would only invite a dependency cycle.
    assert bucket not in dependencies(resources, ROLE)
    assert ROLE in dependencies(resources, "SummariseFunction")
    assert ROLE not in dependencies(resources, ROLE)


def test_template_no_role_statement_writes_to_the_articles_bucket(resources: dict[str, Any]) -> None:
    # Writing into the bucket whose uploads trigger the function could start a loop. Checked on every
    # statement with an S3 action whose resource could be that bucket or its objects, whatever it is for.
    s3 = [s for s in function_statements(resources) if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    on_articles = [s for s in s3 if NAMES.bucket in repr(s["Resource"]) or "*" in as_list(s["Resource"])]
    assert {repr(s["Resource"]) for s in on_articles} == {
        repr({"Fn::Sub": f"{BUCKET_ARN}/*"}),
        repr({"Fn::Sub": BUCKET_ARN}),
    }
    for statement in on_articles:
        assert set(as_list(statement["Action"])) <= ARTICLES_ACTIONS, statement
    for statement in s3:
        resource = repr(statement["Resource"])
        assert NAMES.bucket in resource or NAMES.results_bucket in resource, statement


def test_template_function_writes_only_results_under_results_in_the_results_bucket(
    resources: dict[str, Any],
) -> None:
    writes = [s for s in function_statements(resources) if "s3:PutObject" in as_list(s["Action"])]
    (statement,) = writes
    assert set(as_list(statement["Action"])) == LARGE_RESULT_ACTIONS
    assert statement["Resource"] == {"Fn::Sub": f"{RESULTS_BUCKET_ARN}/{RESULTS_KEYS}"}


@pytest.mark.parametrize("table", TABLES)
def test_template_function_reaches_each_table_through_one_statement(
    resources: dict[str, Any], table: str
) -> None:
    granted = function_statements(resources)
    (dynamodb,) = [s for s in granted if s["Resource"] == {"Fn::GetAtt": [table, "Arn"]}]
    assert all(action.startswith("dynamodb:") for action in as_list(dynamodb["Action"]))
    # No other statement reaches DynamoDB: one per table.
    on_dynamodb = [s for s in granted if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert len(on_dynamodb) == len(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_template_tables_are_on_demand_with_recovery_and_encryption(
    resources: dict[str, Any], table: str
) -> None:
    properties = props(resources, table)
    assert properties["KeySchema"] == [{"AttributeName": name, "KeyType": kind} for name, kind in KEYS[table]]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": name, "AttributeType": "S"} for name, _ in KEYS[table]
    ]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True


def test_template_idempotency_table_is_the_one_powertools_expects(resources: dict[str, Any]) -> None:
    # The handler builds DynamoDBPersistenceLayer with its defaults: key `id`, expiry timestamp `expiration`.
    defaults = inspect.signature(DynamoDBPersistenceLayer).parameters
    properties = props(resources, "IdempotencyTable")
    assert properties["KeySchema"] == [{"AttributeName": defaults["key_attr"].default, "KeyType": "HASH"}]
    # Expired records are deleted by DynamoDB, not kept forever.
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": defaults["expiry_attr"].default,
        "Enabled": True,
    }


@pytest.mark.parametrize(("bucket", "policy", "arn"), BUCKETS)
def test_template_bucket_blocks_all_public_access(
    resources: dict[str, Any], bucket: str, policy: str, arn: str
) -> None:
    assert props(resources, bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    # ACLs disabled: the bucket owner owns every object, so no ACL can open one up.
    ownership = props(resources, bucket)["OwnershipControls"]
    assert ownership == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


@pytest.mark.parametrize(("bucket", "policy", "arn"), BUCKETS)
def test_template_bucket_refuses_requests_without_tls(
    resources: dict[str, Any], bucket: str, policy: str, arn: str
) -> None:
    properties = props(resources, policy)
    assert resources[policy]["Type"] == "AWS::S3::BucketPolicy"
    assert properties["Bucket"] == {"Ref": bucket}
    (deny,) = [s for s in properties["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"]) == ("*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::Sub": arn}, {"Fn::Sub": f"{arn}/*"}]


@pytest.mark.parametrize(("bucket", "policy", "arn"), BUCKETS)
def test_template_bucket_is_versioned_and_encrypted(
    resources: dict[str, Any], bucket: str, policy: str, arn: str
) -> None:
    properties = props(resources, bucket)
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")


@pytest.mark.parametrize(("bucket", "policy", "arn"), BUCKETS)
def test_template_bucket_expires_old_versions_and_survives_the_stack(
    resources: dict[str, Any], bucket: str, policy: str, arn: str
) -> None:
    rules = props(resources, bucket)["LifecycleConfiguration"]["Rules"]
    # Whole-bucket rules only: a Filter or Prefix would leave the other keys' old versions forever.
    whole = [rule for rule in rules if rule["Status"] == "Enabled" and not {"Filter", "Prefix"} & set(rule)]
    assert any(rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", 0) > 0 for rule in whole)
    assert any(
        rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation", 0) > 0 for rule in whole
    )
    # Retained: the articles are the source of truth, and a restored results table points into the results
    # bucket (DEPLOY.md, Deleting the stack).
    policies = (resources[bucket].get("DeletionPolicy"), resources[bucket].get("UpdateReplacePolicy"))
    assert policies == ("Retain", "Retain")


@pytest.mark.parametrize("queue", ["ArticlesQueue", "DeadLetterQueue"])
def test_template_queues_are_encrypted(resources: dict[str, Any], queue: str) -> None:
    assert props(resources, queue)["SqsManagedSseEnabled"] is True


def test_template_function_logs_to_a_group_with_retention(resources: dict[str, Any]) -> None:
    logging = function(resources)["LoggingConfig"]
    group = props(resources, logging["LogGroup"]["Ref"])
    assert resources[logging["LogGroup"]["Ref"]]["Type"] == "AWS::Logs::LogGroup"
    assert group["RetentionInDays"] > 0


def test_template_function_runs_app_py_on_python312(resources: dict[str, Any]) -> None:
    fn = function(resources)
    assert (fn["CodeUri"], fn["Handler"], fn["Runtime"]) == (
        "functions/summarise",
        "app.lambda_handler",
        "python3.12",
    )
    assert resources["SummariseFunction"]["Metadata"]["BuildMethod"] == "makefile"
    assert (ROOT / fn["CodeUri"] / "app.py").is_file()


def test_template_function_is_traced_and_snapstarted(resources: dict[str, Any]) -> None:
    fn = function(resources)
    assert fn["Tracing"] == "Active"
    assert fn["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert fn["AutoPublishAlias"]


def test_template_reserved_concurrency_can_be_left_unreserved(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["ReservedConcurrency"]
    assert parameter["Default"] == "-1"
    # ScalingConfig.MaximumConcurrency takes the same value, and accepts 2 to 1,000.
    assert all(re.fullmatch(parameter["AllowedPattern"], value) for value in ("-1", "2", "10", "999", "1000"))
    refused = ("0", "1", "-2", "02", "1001", "5000")
    assert not any(re.fullmatch(parameter["AllowedPattern"], value) for value in refused)
    assert template["Conditions"]["HasReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, "-1"]}]
    }
    assert function(template["Resources"])["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }


def test_template_function_environment_configures_the_handler(resources: dict[str, Any]) -> None:
    variables = function(resources)["Environment"]["Variables"]
    assert variables["PRECIS_TABLE_NAME"] == {"Ref": "ResultsTable"}
    assert variables["PRECIS_IDEMPOTENCY_TABLE_NAME"] == {"Ref": "IdempotencyTable"}
    assert variables["PRECIS_RESULTS_BUCKET"] == {"Ref": "ResultsBucket"}
    assert variables["PRECIS_MODELS"] == {"Fn::Sub": "fr=${SpacyModel}"}
    assert variables["PRECIS_MAX_OBJECT_BYTES"] == {"Ref": "MaxObjectBytes"}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "precis"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Precis"


def test_template_function_reads_the_identifier_the_nlp_layer_packs(resources: dict[str, Any]) -> None:
    # Layers unpack under /opt; layers/nlp packs the model into its python/ folder (LANGID_FOLDER).
    variables = function(resources)["Environment"]["Variables"]
    assert variables["PRECIS_LANGID_DIR"] == f"/opt/python/{LANGID_FOLDER}"
    assert f"$(1)/{LANGID_FOLDER}" in (REPO_ROOT / "layers/lambda.mk").read_text()


def test_template_function_environment_has_every_setting_the_handler_requires(
    resources: dict[str, Any],
) -> None:
    # The handler reads Settings at import: a variable missing here means a function that never starts.
    variables = function(resources)["Environment"]["Variables"]
    stand_ins = {name: "fr=fr_core_news_sm" if name == "PRECIS_MODELS" else "1" for name in variables}
    Settings.from_env(stand_ins)


def test_template_max_object_bytes_defaults_to_the_handlers_limit(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["MaxObjectBytes"]
    assert int(parameter["Default"]) == DEFAULT_MAX_OBJECT_BYTES
    assert parameter["MinValue"] >= 1


def test_template_every_model_has_a_layer_and_a_pinned_build(template: dict[str, Any]) -> None:
    models = template["Parameters"]["SpacyModel"]["AllowedValues"]
    makefile = (ROOT / "layers/models/Makefile").read_text()
    for model in models:
        layer = "".join(part.capitalize() for part in model.split("_")) + "Layer"
        assert template["Resources"][layer]["Properties"]["ContentUri"] == "layers/models"
        assert f"build-{layer}:" in makefile
        assert (ROOT / "layers/models" / f"{model}.txt").is_file()
    assert template["Parameters"]["SpacyModel"]["Default"] in models


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric", "dimension"),
    [
        ("DeadLetterQueueAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "DeadLetterQueue"),
        ("SummariseFunctionErrorsAlarm", "AWS/Lambda", "Errors", "SummariseFunction"),
    ],
)
def test_template_alarms_fire_on_the_first_failure(
    resources: dict[str, Any], alarm: str, namespace: str, metric: str, dimension: str
) -> None:
    properties = props(resources, alarm)
    assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
    assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanThreshold", 0)
    assert dimension in str(properties["Dimensions"])


def test_template_outputs_what_the_cli_reads(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["ArticlesBucketName"]["Value"] == {"Ref": "ArticlesBucket"}
    assert outputs["ResultsTableName"]["Value"] == {"Ref": "ResultsTable"}
    assert outputs["ArticlesQueueName"]["Value"] == {"Fn::GetAtt": ["ArticlesQueue", "QueueName"]}
    assert outputs["ArticlesQueueUrl"]["Value"] == {"Ref": "ArticlesQueue"}
    assert outputs["DeadLetterQueueName"]["Value"] == {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}
    assert outputs["IdempotencyTableName"]["Value"] == {"Ref": "IdempotencyTable"}
    assert outputs["ResultsBucketName"]["Value"] == {"Ref": "ResultsBucket"}
