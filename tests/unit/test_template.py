"""template.yaml keeps the platform's promises (RELIABILITY.md) and the hardening no checker fully covers."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from precis.aws import storage
from precis.aws.settings import DEFAULT_MAX_OBJECT_BYTES, Settings
from precis.names import SUPPORTED_SUFFIXES, ResourceNames
from tests.conftest import result_item

ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = ResourceNames.for_stack("${AWS::StackName}", "${AWS::AccountId}", "${AWS::Region}")
BUCKET_ARN = f"arn:${{AWS::Partition}}:s3:::{NAMES.bucket}"
RESULTS_BUCKET_ARN = f"arn:${{AWS::Partition}}:s3:::{NAMES.results_bucket}"
# The only keys the function may write or delete in the results bucket.
RESULTS_KEYS = "results/*"
ROLE = "SummariseFunctionRole"
READ_ACTIONS = {"s3:GetObject", "s3:GetObjectVersion"}
# With ListBucket, S3 answers 404 for a deleted article (which the function records as failed), not 403.
LIST_ACTIONS = {"s3:ListBucket"}
# Everything the role may do on the articles bucket or its objects: reading, never writing.
ARTICLES_ACTIONS = READ_ACTIONS | LIST_ACTIONS
LARGE_RESULT_ACTIONS = {"s3:PutObject", "s3:DeleteObject"}
TABLE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"}
# What Powertools' DynamoDBPersistenceLayer calls: get, put (conditional), update and delete of one record.
IDEMPOTENCY_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
QUEUE_ACTIONS = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# These two have no resource type in IAM (Service Authorization Reference, AWS X-Ray): only "*" can name them.
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
# Each ResourceNames field and the resource whose physical name it is.
NAMED_RESOURCES = {
    "bucket": ("ArticlesBucket", "BucketName"),
    "table": ("ResultsTable", "TableName"),
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
TABLES = ["ResultsTable", "IdempotencyTable"]


class CloudFormationLoader(yaml.SafeLoader):
    """Reads the short tags (!Sub, !GetAtt, !Ref, !If...) as the long form CloudFormation gives them."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """!Ref x -> {"Ref": x}, !GetAtt A.B -> {"Fn::GetAtt": ["A", "B"]}, !X v -> {"Fn::X": v}."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """The template as CloudFormation reads it, parsed once."""
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=CloudFormationLoader)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    """The Resources section, which most tests inspect."""
    return template["Resources"]


def props(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """The Properties of one resource."""
    return resources[logical_id]["Properties"]


def function(resources: dict[str, Any]) -> dict[str, Any]:
    """The Properties of SummariseFunction."""
    return props(resources, "SummariseFunction")


def sqs_event(resources: dict[str, Any]) -> dict[str, Any]:
    """The function's only event source, which must be the SQS queue."""
    (event,) = function(resources)["Events"].values()
    assert event["Type"] == "SQS"
    return event["Properties"]


def statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every IAM statement anywhere under node (policies, bucket and queue policies, SAM Policies)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Statement":
                yield from value if isinstance(value, list) else [value]
            else:
                yield from statements(value)
    elif isinstance(node, list):
        for item in node:
            yield from statements(item)


def strings(node: Any) -> Iterator[str]:
    """Every string value anywhere under node."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def keys(node: Any) -> Iterator[str]:
    """Every mapping key anywhere under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys(item)


def references(node: Any) -> set[str]:
    """Logical ids and parameters that node names through Ref, Fn::GetAtt or ${...} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found.update(name for name in SUB_VARIABLE.findall(text))
            found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def dependencies(resources: dict[str, Any], logical_id: str) -> set[str]:
    """Resources CloudFormation must create before logical_id: references and DependsOn, transitively."""
    pending, seen = [logical_id], set[str]()
    while pending:
        resource = resources[pending.pop()]
        direct = references(resource) | set(as_list(resource.get("DependsOn", [])))
        for name in direct & set(resources) - seen:
            seen.add(name)
            pending.append(name)
    return seen


def as_list(value: Any) -> list[Any]:
    """IAM accepts one value or a list for Action and Resource."""
    return value if isinstance(value, list) else [value]


def function_statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of the function's role: its inline policies, the only permissions it has."""
    assert function(resources)["Role"] == {"Fn::GetAtt": [ROLE, "Arn"]}
    return list(statements(props(resources, ROLE)["Policies"]))


def grant(statement: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """A statement's actions and resource, comparable whatever their order or intrinsic function."""
    return tuple(sorted(as_list(statement["Action"]))), repr(statement["Resource"])


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


def test_template_notifies_the_queue_once_per_supported_suffix(resources: dict[str, Any]) -> None:
    configurations = props(resources, "ArticlesBucket")["NotificationConfiguration"]["QueueConfigurations"]
    suffixes = [c["Filter"]["S3Key"]["Rules"] for c in configurations]
    assert suffixes == [[{"Name": "suffix", "Value": suffix}] for suffix in SUPPORTED_SUFFIXES]
    assert {c["Event"] for c in configurations} == {"s3:ObjectCreated:*"}
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


def test_template_role_grants_exactly_what_the_function_uses(resources: dict[str, Any]) -> None:
    log_group = function(resources)["LoggingConfig"]["LogGroup"]["Ref"]
    expected = [
        (QUEUE_ACTIONS, sqs_event(resources)["Queue"]),
        (LOG_ACTIONS, {"Fn::GetAtt": [log_group, "Arn"]}),
        (READ_ACTIONS, {"Fn::Sub": f"{BUCKET_ARN}/*"}),
        (LIST_ACTIONS, {"Fn::Sub": BUCKET_ARN}),
        (TABLE_ACTIONS, {"Fn::GetAtt": ["ResultsTable", "Arn"]}),
        (IDEMPOTENCY_ACTIONS, {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}),
        (LARGE_RESULT_ACTIONS, {"Fn::Sub": f"{RESULTS_BUCKET_ARN}/{RESULTS_KEYS}"}),
        (XRAY_ACTIONS, "*"),
    ]
    granted = function_statements(resources)
    assert all(set(s) == {"Sid", "Effect", "Action", "Resource"} and s["Effect"] == "Allow" for s in granted)
    wanted = [grant({"Action": list(actions), "Resource": resource}) for actions, resource in expected]
    assert sorted(map(grant, granted)) == sorted(wanted)


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
    assert {grant(s) for s in on_articles} == {
        grant({"Action": sorted(READ_ACTIONS), "Resource": {"Fn::Sub": f"{BUCKET_ARN}/*"}}),
        grant({"Action": sorted(LIST_ACTIONS), "Resource": {"Fn::Sub": BUCKET_ARN}}),
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


# The IAM action each S3 client method needs (Service Authorization Reference, Amazon S3).
S3_METHOD_ACTIONS = {
    "put_object": "s3:PutObject",
    "delete_object": "s3:DeleteObject",
    "get_object": "s3:GetObject",
}


class _RecordingS3:
    """An S3 client that records each call as (IAM action, bucket, key); unknown methods keep their name."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def __getattr__(self, method: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            self.calls.append((S3_METHOD_ACTIONS.get(method, method), params["Bucket"], params["Key"]))
            return {}

        return call


class _ReplacingDynamoDB:
    """A results table whose put_item replaces an item that pointed to a document in the results bucket."""

    def __init__(self, old_location: str) -> None:
        self.old_location = old_location

    def put_item(self, **_: Any) -> dict[str, Any]:
        return {"Attributes": {"document_location": {"S": self.old_location}}}


def test_template_results_grant_covers_what_storing_a_large_result_calls() -> None:
    # storage.put_result, as the handler calls it: a document over the item limit replacing an earlier one.
    bucket = "results-bucket"
    document = {"title": "t", "entities": [], "summary": [], "keywords": [], "padding": "x" * 500_000}
    item = result_item("articles", "a.txt", document=document)
    s3 = _RecordingS3()
    dynamodb = _ReplacingDynamoDB(f"s3://{bucket}/results/0123/old.json")

    assert storage.put_result(dynamodb, "table", item, s3=s3, results_bucket=bucket)

    assert [action for action, _, _ in s3.calls] == ["s3:PutObject", "s3:DeleteObject"]
    for action, called_bucket, key in s3.calls:
        assert action in LARGE_RESULT_ACTIONS
        assert called_bucket == bucket
        assert fnmatchcase(key, RESULTS_KEYS), key


@pytest.mark.parametrize(
    ("table", "actions"), [("ResultsTable", TABLE_ACTIONS), ("IdempotencyTable", IDEMPOTENCY_ACTIONS)]
)
def test_template_function_writes_items_of_each_table_only_there(
    resources: dict[str, Any], table: str, actions: set[str]
) -> None:
    granted = function_statements(resources)
    (dynamodb,) = [s for s in granted if s["Resource"] == {"Fn::GetAtt": [table, "Arn"]}]
    assert set(dynamodb["Action"]) == actions
    # No other statement reaches DynamoDB: one per table.
    on_dynamodb = [s for s in granted if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert len(on_dynamodb) == len(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_template_tables_are_on_demand_with_recovery_and_encryption(
    resources: dict[str, Any], table: str
) -> None:
    properties = props(resources, table)
    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
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
