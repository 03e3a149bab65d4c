"""template.yaml read as CloudFormation reads it, and the walkers the template tests share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from precis.names import ResourceNames

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
NAMES = ResourceNames.for_stack("${AWS::StackName}", "${AWS::AccountId}", "${AWS::Region}")
BUCKET_ARN = f"arn:${{AWS::Partition}}:s3:::{NAMES.bucket}"
RESULTS_BUCKET_ARN = f"arn:${{AWS::Partition}}:s3:::{NAMES.results_bucket}"
ROLE = "SummariseFunctionRole"
SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def load_template() -> dict[str, Any]:
    """The template as CloudFormation reads it, short tags included."""
    parsed: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=CloudFormationLoader)
    return parsed


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
