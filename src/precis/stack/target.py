"""Which Précis stack a command talks to: a deployed one (`--stack`) or the embedded one, with its clients."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from precis.aws.index import Tables
from precis.aws.query import Archive
from precis.errors import UnavailableError, UserError
from precis.names import DEFAULT_ENDPOINT_URL, LOCAL_NAMES, LOCAL_REGION, ResourceNames

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
STACK_OUTPUTS = {
    "bucket": "ArticlesBucketName",
    "table": "ResultsTableName",
    "index_table": "IndexTableName",
    "queue": "ArticlesQueueName",
    "dead_letter_queue": "DeadLetterQueueName",
    "idempotency_table": "IdempotencyTableName",
    "results_bucket": "ResultsBucketName",
}
_CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3})
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Target:
    """A stack's resource names plus a session and endpoint to reach them."""

    session: boto3.Session
    endpoint_url: str | None
    names: ResourceNames
    queue_url: str | None = None

    def archive(self) -> Archive:
        """The stack's results as the query layer reads them (the index table and the results bucket too)."""
        return Archive(
            self.client("dynamodb"), Tables(self.names.table, self.names.index_table), s3=self.client("s3")
        )

    def articles_queue_url(self) -> str:
        """The articles queue's URL: from the stack's outputs, else looked up by name."""
        if self.queue_url:
            return self.queue_url
        return str(self.client("sqs").get_queue_url(QueueName=self.names.queue)["QueueUrl"])

    def client(self, service: str) -> Any:
        """A client bound to this stack's endpoint, with short timeouts so a dead endpoint fails fast, and
        that refuses an endpoint answering HTTP but not as AWS does (a web server on the port)."""
        client = self.session.client(service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG)
        if self.endpoint_url:
            client.meta.events.register("before-parse", partial(refuse_non_aws, self.endpoint_url))
        return client


def refuse_non_aws(endpoint_url: str, response_dict: Mapping[str, Any], **_: Any) -> None:
    """AWS and moto send x-amz* headers with every answer; without them the answer is someone else's,
    whose page botocore would otherwise dump or, worse, read as an empty result."""
    headers = response_dict.get("headers", {})
    if not any(name.lower().startswith("x-amz") for name in headers):
        server = headers.get("server") or "a server that is not AWS"
        raise UnavailableError(
            f"{server} at {endpoint_url} answered HTTP {response_dict.get('status_code')}, not as AWS does; "
            "is it a Précis stack? (start one with `precis serve`, or fix --endpoint-url)"
        )


def local_session(region: str = LOCAL_REGION) -> boto3.Session:
    """A session with fake credentials: moto accepts any, and real ones must never leak into a local run."""
    return boto3.Session(region_name=region, **FAKE_CREDENTIALS)


def local_target(endpoint_url: str) -> Target:
    """The embedded stack at `endpoint_url`, in the region its names were built for."""
    return Target(local_session(), endpoint_url, LOCAL_NAMES)


def resolve_target(endpoint_url: str | None, stack: str | None, environ: Mapping[str, str]) -> Target:
    """A deployed stack when `--stack` is given; otherwise the embedded stack's names at the endpoint."""
    endpoint = endpoint_url or environ.get("AWS_ENDPOINT_URL") or None
    if stack:
        if endpoint:
            require_listening(endpoint)
        return deployed_target(stack, endpoint, environ)
    endpoint = endpoint or DEFAULT_ENDPOINT_URL
    require_listening(endpoint)
    return local_target(endpoint)


def deployed_target(stack: str, endpoint_url: str | None, environ: Mapping[str, str]) -> Target:
    """Names from the stack's outputs, read with the usual credential chain (AWS_PROFILE, AWS_REGION, ...)."""
    try:
        session = boto3.Session(region_name=environ.get("AWS_REGION") or None)
    except ProfileNotFound as error:
        raise UserError(f"{error}; check AWS_PROFILE") from None
    if session.region_name is None:
        raise UserError("no AWS region configured; set AWS_REGION or AWS_DEFAULT_REGION, or use a profile")
    if session.get_credentials() is None:
        raise UnavailableError("no AWS credentials found; set AWS_PROFILE or run `aws configure`")
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url, config=_CLIENT_CONFIG)
    names, queue_url = stack_names(cloudformation, stack, session.region_name)
    return Target(session, endpoint_url, names, queue_url)


def stack_names(cloudformation: Any, stack: str, region: str) -> tuple[ResourceNames, str | None]:
    """Resource names (and the queue URL) from a deployed stack's outputs."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        message = error.response["Error"].get("Message", "")
        raise UnavailableError(f"cannot read stack {stack!r} in {region}: {message}") from None
    except BotoCoreError as error:
        raise UnavailableError(f"cannot read stack {stack!r} in {region}: {error}") from None
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    missing = sorted(key for key in STACK_OUTPUTS.values() if key not in outputs)
    if missing:
        raise UserError(f"stack {stack!r} is not a Précis stack: missing outputs {', '.join(missing)}")
    names = ResourceNames(**{field: outputs[key] for field, key in STACK_OUTPUTS.items()})
    return names, outputs.get("ArticlesQueueUrl")


def require_listening(endpoint_url: str) -> None:
    """Fail with a hint in one second rather than after botocore's connection retries."""
    parts = urlsplit(endpoint_url)
    if not parts.hostname:
        raise UserError(f"invalid endpoint URL {endpoint_url!r}; expected e.g. {DEFAULT_ENDPOINT_URL}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=1):
            return
    except OSError as error:
        hint = "; start it with `precis serve`" if parts.hostname in _LOOPBACK_HOSTS else ""
        raise UnavailableError(
            f"nothing answers at {endpoint_url} ({error.strerror or error}){hint}"
        ) from None
