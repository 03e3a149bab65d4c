"""Lambda's context object for code that calls a handler outside Lambda: the workers, tests and tools."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from precis.names import LOCAL_ACCOUNT_ID, LOCAL_REGION

FUNCTION_NAME = "precis-local-summarise"
DEFAULT_TIMEOUT_SECONDS = 60


def function_arn(function_name: str = FUNCTION_NAME, region: str = LOCAL_REGION) -> str:
    """The ARN Lambda would give a function of the embedded stack's account."""
    return f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT_ID}:function:{function_name}"


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of Lambda's context that Powertools and the handler read; a new one per invocation."""

    deadline: float = field(default_factory=lambda: time.monotonic() + DEFAULT_TIMEOUT_SECONDS)
    function_name: str = FUNCTION_NAME
    invoked_function_arn: str = field(default_factory=function_arn)
    memory_limit_in_mb: int = 2048
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local"

    @classmethod
    def with_time_left(cls, seconds: float, **fields: object) -> LambdaContext:
        """A context whose invocation ends `seconds` from now (the function timeout, or less in a test)."""
        return cls(deadline=time.monotonic() + seconds, **fields)  # type: ignore[arg-type]

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline, as Lambda reports them."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))
