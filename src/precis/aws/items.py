"""The results table's item: one typed shape for the function that writes it and for every reader."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

ItemStatus = Literal["done", "failed"]


class ResultItem(TypedDict):
    """One object's result, keyed by `id` (`bucket/key`); a field without a value is not stored.

    A `done` item holds the JSON `document` (or, when it is too large for an item, a trimmed view of it
    and `document_location` in the results bucket) and projections of it for listings; a `failed` item
    holds `error`, a reason that never quotes the article. The event's own fields (`etag` to
    `event_order`) and the model's are None, and so not stored, when there is no value for them.
    """

    id: str
    bucket: str
    key: str
    status: ItemStatus
    processed_at: str
    pipeline_version: str
    processing_ms: NotRequired[int]
    etag: NotRequired[str | None]
    version_id: NotRequired[str | None]
    size: NotRequired[int | None]
    sequencer: NotRequired[str | None]
    event_time: NotRequired[str | None]
    event_order: NotRequired[str | None]
    error: NotRequired[str]
    document: NotRequired[dict[str, Any]]
    document_location: NotRequired[str]
    title: NotRequired[str]
    language: NotRequired[str]
    entity_names: NotRequired[list[str]]
    entity_aliases: NotRequired[list[str]]
    model_name: NotRequired[str | None]
    model_version: NotRequired[str | None]
