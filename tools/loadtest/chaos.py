"""The chaos load test's handler: the real function, with faults injected into its S3 and DynamoDB calls
and a worker that SIGKILLs itself mid-batch when the load test asks. Developer tooling only: the workers
of `make loadtest` load it by name (`--handler`); nothing that ships imports it.

- Transient faults: each HTTP attempt of an S3 or DynamoDB call fails at ATTEMPT_RATE_VARIABLE's rate with
  throttling or a 5xx, as botocore meets them (its standard retry mode retries them).
- Outages: while an object is processed, each call fails at CALL_RATE_VARIABLE's rate before botocore's
  retries start, so the error reaches the handler and the message is delivered again after the
  visibility timeout.
- Doomed keys (DOOMED_VARIABLE, one per line): reading them is always throttled, so their messages give
  up after the last receive SQS allows.
- Kills: when a file named KILL_REQUEST exists in KILL_DIR_VARIABLE's folder, the first worker to start on
  an article removes it and kills itself with SIGKILL (the article in hand, and the rest of its batch,
  come back after the visibility timeout).

Each injected fault is written to stderr as one JSON line with a `chaos` key, which the load test counts.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from botocore.awsrequest import AWSResponse

from precis.aws.events import ObjectRef
from precis.aws.summarise import (
    LambdaHandler,
    SummariseFunction,
    Summarises,
    function_from_environment,
    lambda_handler_for,
)
from precis.core.document import Document

ATTEMPT_RATE_VARIABLE = "PRECIS_CHAOS_ATTEMPT_RATE"
CALL_RATE_VARIABLE = "PRECIS_CHAOS_CALL_RATE"
DOOMED_VARIABLE = "PRECIS_CHAOS_DOOMED"
KILL_DIR_VARIABLE = "PRECIS_CHAOS_KILL_DIR"
KILL_REQUEST = "kill-request"
HANDLER = "tools.loadtest.chaos:create"


class Fault(NamedTuple):
    """An error response as the service sends it: status, error code, and the body's format."""

    status: int
    code: str


FAULTS = {
    "s3": (Fault(503, "SlowDown"), Fault(500, "InternalError"), Fault(503, "ServiceUnavailable")),
    "dynamodb": (
        Fault(400, "ThrottlingException"),
        Fault(400, "ProvisionedThroughputExceededException"),
        Fault(500, "InternalServerError"),
    ),
}


class Body:
    """The raw stream botocore reads an AWSResponse's content from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **kwargs: Any) -> list[bytes]:
        """The whole body in one chunk."""
        return [self.data]


def fault_response(service: str, fault: Fault) -> AWSResponse:
    """The HTTP response of a fault, in the service's protocol (rest-xml for S3, JSON 1.0 for DynamoDB)."""
    if service == "s3":
        body = f"<Error><Code>{fault.code}</Code><Message>injected</Message></Error>"
        headers = {"Content-Type": "application/xml"}
    else:
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{fault.code}", "message": "injected"})
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("https://chaos.invalid/", fault.status, headers, Body(body.encode()))


def note(kind: str, service: str, operation: str, fault: Fault) -> None:
    """One JSON line per injected fault, for the load test's count."""
    line = {"chaos": kind, "service": service, "operation": operation, "code": fault.code}
    sys.stderr.write(json.dumps(line) + "\n")
    sys.stderr.flush()


class Chaos:
    """The fault plan of one worker process: rates, doomed keys, and whether an object is being processed."""

    def __init__(
        self, attempt_rate: float, call_rate: float, doomed: set[str], kill_dir: Path | None
    ) -> None:
        self.attempt_rate = attempt_rate
        self.call_rate = call_rate
        self.doomed = doomed
        self.kill_dir = kill_dir
        self.random = random.Random()
        self.processing = threading.local()

    @classmethod
    def from_environment(cls) -> Chaos:
        """The plan the load test passed in the function's environment."""
        kill_dir = os.environ.get(KILL_DIR_VARIABLE)
        return cls(
            attempt_rate=float(os.environ.get(ATTEMPT_RATE_VARIABLE, "0")),
            call_rate=float(os.environ.get(CALL_RATE_VARIABLE, "0")),
            doomed=set(os.environ.get(DOOMED_VARIABLE, "").splitlines()) - {""},
            kill_dir=Path(kill_dir) if kill_dir else None,
        )

    def install(self, client: Any, service: str) -> None:
        """Hook the client's events: per call (an outage) and per HTTP attempt (botocore retries it)."""
        events = client.meta.events
        events.register(f"before-parameter-build.{service}", self._mark_doomed)
        events.register(f"before-call.{service}", self._outage(service))
        events.register(f"before-send.{service}", self._transient(service))

    def _mark_doomed(self, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        """Reads of a doomed key fail every time (the call's context carries the mark to `before-call`)."""
        if "Bucket" in params and params.get("Key") in self.doomed:
            context["chaos_doomed"] = True

    def _outage(self, service: str) -> Callable[..., Any]:
        def before_call(model: Any, context: dict[str, Any], **kwargs: Any) -> Any:
            doomed = context.get("chaos_doomed") and model.name == "GetObject"
            struck = getattr(self.processing, "active", False) and self.random.random() < self.call_rate
            if not (doomed or struck):
                return None
            fault = FAULTS[service][0] if doomed else self.random.choice(FAULTS[service])
            note("doomed" if doomed else "outage", service, model.name, fault)
            error = {"Error": {"Code": fault.code, "Message": "injected"}}
            return fault_response(service, fault), {
                **error,
                "ResponseMetadata": {"HTTPStatusCode": fault.status},
            }

        return before_call

    def _transient(self, service: str) -> Callable[..., Any]:
        def before_send(request: Any, **kwargs: Any) -> AWSResponse | None:
            if self.random.random() >= self.attempt_rate:
                return None
            fault = self.random.choice(FAULTS[service])
            note("transient", service, kwargs.get("event_name", "").rpartition(".")[2], fault)
            return fault_response(service, fault)

        return before_send

    def maybe_kill(self) -> None:
        """SIGKILL this worker if the load test asked for a kill and this worker claims the request first."""
        if self.kill_dir is None:
            return
        try:
            (self.kill_dir / KILL_REQUEST).unlink()
        except FileNotFoundError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


class ChaosSummariser:
    """The real summariser, where a worker may be killed with an article in hand."""

    def __init__(self, inner: Summarises, chaos: Chaos) -> None:
        self.inner = inner
        self.chaos = chaos

    def summarise(self, data: bytes) -> Document:
        """The real document, unless this worker is killed first."""
        self.chaos.maybe_kill()
        return self.inner.summarise(data)


class ChaosFunction(SummariseFunction):
    """The real function; outages strike only while an object is processed (not the give-up's write)."""

    chaos: Chaos

    def process_object(self, ref: ObjectRef, context: Any) -> None:
        """The real processing, with outages switched on around it."""
        self.chaos.processing.active = True
        try:
            super().process_object(ref, context)
        finally:
            self.chaos.processing.active = False


def chaos_function(chaos: Chaos, function_class: type[ChaosFunction] = ChaosFunction) -> ChaosFunction:
    """The real function from the environment, rebuilt around the chaos summariser and hooked clients."""
    real = function_from_environment()
    chaos.install(real.clients.s3, "s3")
    chaos.install(real.clients.dynamodb, "dynamodb")
    function = function_class(real.settings, ChaosSummariser(real.summariser, chaos), real.clients)
    function.chaos = chaos
    return function


def create() -> LambdaHandler:
    """The worker's factory: the real handler over the chaos function."""
    return lambda_handler_for(chaos_function(Chaos.from_environment()))
