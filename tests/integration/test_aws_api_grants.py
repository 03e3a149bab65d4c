"""Least privilege, proven for ApiFunction: its role grants exactly the reads that its routes make."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from precis.aws.api import create_router, handler_for
from precis.names import LOCAL_NAMES
from precis.stack.target import Target, local_session
from tests.cfn import as_list, props, statements
from tests.conftest import SEEDS
from tests.integration.conftest import Handler, Stack
from tests.integration.test_aws_api import caller, process
from tests.integration.test_aws_handler_grants import GrantRecorder, Grants

HUGE = "huge.txt"
# Every route, with what makes each one read all it can: a document kept in the results bucket, a failed
# item, unknown keys and names, and the pages.
ROUTES = [
    ("/api/articles", {}),
    ("/api/articles", {"status": "failed"}),
    ("/api/articles", {"language": "fr"}),
    ("/api/articles", {"q": "tramway"}),
    ("/api/articles/fr-03.txt", {}),
    (f"/api/articles/{quote(HUGE)}", {}),
    ("/api/articles/vide.txt", {}),
    ("/api/articles/absent.txt", {}),
    ("/api/entities", {"type": "PER"}),
    ("/api/entities/Mark%20Rutte/articles", {}),
    ("/api/entities/Mark%20Rutte/cooccurring", {}),
    ("/api/entities/Mark%20Rutte/quotes", {}),
    ("/api/entities/Inconnu/cooccurring", {}),
    ("/api/entities/Inconnu/quotes", {}),
    ("/api/openapi.json", {}),
    ("/", {}),
    ("/articles/fr-03.txt", {}),
    ("/static/viewer.js", {}),
]


def role_grants(resources: dict[str, Any]) -> Grants:
    """What ApiFunction's role grants on S3 and DynamoDB, one (action, resource) pair per action."""
    return {
        (action, repr(resource))
        for statement in statements(props(resources, "ApiFunctionRole")["Policies"])
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
        if not action.startswith("logs:")
    }


def test_api_role_grants_exactly_the_calls_its_routes_make(
    handler: Handler, stack: Stack, resources: dict[str, Any]
) -> None:
    seeds = {seed.name: seed.read_bytes() for seed in SEEDS.glob("fr-*.txt")}
    process(handler, stack, {**seeds, "vide.txt": b""})
    summarise = handler.summariser.inner.summarise
    handler.summariser.replacement = lambda data: replace(
        summarise(data), keywords=tuple(f"mot {n}" for n in range(60_000))
    )
    process(handler, stack, {HUGE: seeds["fr-02.txt"]})
    assert stack.result(HUGE).get("document_location"), "the huge document should be in the results bucket"
    archive = Target(local_session(), None, LOCAL_NAMES).archive()
    recorder = GrantRecorder()
    recorder.watch_clients(archive.dynamodb, archive.s3)
    get = caller(handler_for(create_router(archive, archive.s3, LOCAL_NAMES.bucket)))

    statuses = {path: get(path, **query).status for path, query in ROUTES}

    assert set(statuses.values()) == {200, 404}
    assert sorted(recorder.grants) == sorted(role_grants(resources))
