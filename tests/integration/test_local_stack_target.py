"""`--stack NAME`: resource names come from a deployed stack's outputs (moto's CloudFormation here)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from precis.errors import UnavailableError, UserError
from precis.names import ResourceNames
from precis.stack.target import STACK_OUTPUTS, resolve_target

REGION = "eu-west-3"
NAMES = ResourceNames.for_stack("prod", "111122223333", REGION)
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/111122223333/prod-articles"


def stack_template(outputs: dict[str, str]) -> str:
    """A stack with one inert resource and literal outputs named as template.yaml names them."""
    return json.dumps(
        {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
    )


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fake account with fake credentials; nothing leaves the process."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        outputs = {output: getattr(NAMES, field) for field, output in STACK_OUTPUTS.items()}
        cloudformation.create_stack(
            StackName="prod", TemplateBody=stack_template({**outputs, "ArticlesQueueUrl": QUEUE_URL})
        )
        cloudformation.create_stack(StackName="other", TemplateBody=stack_template({"Unrelated": "x"}))
        yield


def test_target_stack_names_come_from_the_outputs(cloud: None) -> None:
    target = resolve_target(None, "prod", {"AWS_REGION": REGION})

    assert target.names == NAMES
    assert target.queue_url == QUEUE_URL
    assert (target.endpoint_url, target.session.region_name) == (None, REGION)


def test_target_stack_without_precis_outputs_is_a_user_error(cloud: None) -> None:
    with pytest.raises(UserError, match="missing outputs ArticlesBucketName"):
        resolve_target(None, "other", {"AWS_REGION": REGION})


def test_target_unknown_stack_is_unavailable(cloud: None) -> None:
    with pytest.raises(UnavailableError, match="cannot read stack 'nope' in eu-west-3"):
        resolve_target(None, "nope", {"AWS_REGION": REGION})
