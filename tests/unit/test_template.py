"""template.yaml keeps the platform's promises (RELIABILITY.md) and the hardening no checker fully covers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from precis.names import SUPPORTED_SUFFIXES, ResourceNames

ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = ResourceNames.for_stack("${AWS::StackName}", "${AWS::AccountId}", "${AWS::Region}")
BUCKET_ARN = f"arn:${{AWS::Partition}}:s3:::{NAMES.bucket}"
ROLE = "SummariseFunctionRole"
READ_ACTIONS = {"s3:GetObject", "s3:GetObjectVersion"}
TABLE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"}
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
    pending, seen = [logical_id], set()
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


def test_template_physical_names_are_those_of_resource_names(resources: dict[str, Any]) -> None:
    assert props(resources, "ArticlesBucket")["BucketName"] == {"Fn::Sub": NAMES.bucket}
    assert props(resources, "ResultsTable")["TableName"] == {"Fn::Sub": NAMES.table}
    assert props(resources, "ArticlesQueue")["QueueName"] == {"Fn::Sub": NAMES.queue}
    assert props(resources, "DeadLetterQueue")["QueueName"] == {"Fn::Sub": NAMES.dead_letter_queue}


def test_template_every_bucket_arn_names_the_articles_bucket(template: dict[str, Any]) -> None:
    arns = [text for text in strings(template) if text.startswith("arn:${AWS::Partition}:s3:::")]
    assert arns
    assert {arn.removesuffix("/*") for arn in arns} == {BUCKET_ARN}


def test_template_notifies_the_queue_once_per_supported_suffix(resources: dict[str, Any]) -> None:
    configurations = props(resources, "ArticlesBucket")["NotificationConfiguration"]["QueueConfigurations"]
    suffixes = [c["Filter"]["S3Key"]["Rules"] for c in configurations]
    assert suffixes == [[{"Name": "suffix", "Value": suffix}] for suffix in SUPPORTED_SUFFIXES]
    assert {c["Event"] for c in configurations} == {"s3:ObjectCreated:*"}
    assert all(c["Queue"] == {"Fn::GetAtt": ["ArticlesQueue", "Arn"]} for c in configurations)


def test_template_bucket_waits_for_the_queue_policy(resources: dict[str, Any]) -> None:
    assert "ArticlesQueuePolicy" in as_list(resources["ArticlesBucket"].get("DependsOn", []))


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
        (TABLE_ACTIONS, {"Fn::GetAtt": ["ResultsTable", "Arn"]}),
        (XRAY_ACTIONS, "*"),
    ]
    granted = function_statements(resources)
    assert all(set(s) == {"Sid", "Effect", "Action", "Resource"} and s["Effect"] == "Allow" for s in granted)
    wanted = [grant({"Action": list(actions), "Resource": resource}) for actions, resource in expected]
    assert sorted(map(grant, granted)) == sorted(wanted)


def test_template_role_does_not_wait_for_the_bucket(resources: dict[str, Any]) -> None:
    # The bucket's ARN is known from its name: waiting for the bucket would only invite a dependency cycle.
    assert "ArticlesBucket" not in dependencies(resources, ROLE)
    assert ROLE in dependencies(resources, "SummariseFunction")
    assert ROLE not in dependencies(resources, ROLE)


def test_template_function_only_reads_the_articles_bucket(resources: dict[str, Any]) -> None:
    s3 = [s for s in function_statements(resources) if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert s3
    for statement in s3:
        assert set(as_list(statement["Action"])) <= READ_ACTIONS
        assert statement["Resource"] == {"Fn::Sub": f"{BUCKET_ARN}/*"}


def test_template_function_writes_only_items_of_the_results_table(resources: dict[str, Any]) -> None:
    (dynamodb,) = [s for s in function_statements(resources) if "dynamodb:PutItem" in as_list(s["Action"])]
    assert set(dynamodb["Action"]) == TABLE_ACTIONS
    assert dynamodb["Resource"] == {"Fn::GetAtt": ["ResultsTable", "Arn"]}


def test_template_table_is_on_demand_with_recovery_and_encryption(resources: dict[str, Any]) -> None:
    table = props(resources, "ResultsTable")
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_template_bucket_blocks_all_public_access(resources: dict[str, Any]) -> None:
    assert props(resources, "ArticlesBucket")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_template_bucket_refuses_requests_without_tls(resources: dict[str, Any]) -> None:
    policy = props(resources, "ArticlesBucketPolicy")
    assert policy["Bucket"] == {"Ref": "ArticlesBucket"}
    (deny,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"]) == ("*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::Sub": BUCKET_ARN}, {"Fn::Sub": f"{BUCKET_ARN}/*"}]


def test_template_bucket_is_versioned_and_encrypted(resources: dict[str, Any]) -> None:
    bucket = props(resources, "ArticlesBucket")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")


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
    assert variables["PRECIS_MODELS"] == {"Fn::Sub": "fr=${SpacyModel}"}
    assert variables["PRECIS_MAX_OBJECT_BYTES"] == {"Ref": "MaxObjectBytes"}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "precis"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Precis"


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
