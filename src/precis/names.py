"""What identifies a Précis stack's parts: names template.yaml and the embedded stack share, its address."""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_STACK_NAME = "precis"
LOCAL_ACCOUNT_ID = "123456789012"
LOCAL_REGION = "us-east-1"
# Where `precis serve` listens, and the function its workers build (module:factory, called once per worker).
DEFAULT_PORT = 4566
DEFAULT_ENDPOINT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
DEFAULT_HANDLER = "precis.aws.summarise:from_environment"
# Where `precis serve` and `precis web` serve the API and viewer, and where the embedded stack records it.
DEFAULT_WEB_PORT = 8080
WEB_URL_PARAMETER = "/precis/web-url"


@dataclass(frozen=True)
class ResourceNames:
    """Physical names of one Précis stack; template.yaml builds the same ones with !Sub."""

    bucket: str
    table: str
    index_table: str
    queue: str
    dead_letter_queue: str
    idempotency_table: str
    results_bucket: str

    @classmethod
    def for_stack(cls, stack: str, account_id: str, region: str) -> ResourceNames:
        """Names as template.yaml builds them (bucket names are global, so they carry account and region)."""
        return cls(
            bucket=f"{stack}-articles-{account_id}-{region}",
            table=f"{stack}-results",
            index_table=f"{stack}-index",
            queue=f"{stack}-articles",
            dead_letter_queue=f"{stack}-articles-dlq",
            idempotency_table=f"{stack}-idempotency",
            results_bucket=f"{stack}-results-{account_id}-{region}",
        )


LOCAL_NAMES = ResourceNames.for_stack(LOCAL_STACK_NAME, LOCAL_ACCOUNT_ID, LOCAL_REGION)
