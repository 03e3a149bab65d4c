"""The results table's item: one typed shape for the function that writes it and for every reader."""

# Annotations stay evaluated (no `from __future__ import annotations`): storage reads which keys are
# optional from ResultItem at run time, which string annotations would hide on Python 3.11.
from typing import Any, Literal, NotRequired, TypedDict

# `deleted` marks a tombstone: the object is gone, the item stays (hidden) so a late event cannot revive it.
ItemStatus = Literal["done", "failed", "deleted"]


class ResultItem(TypedDict):
    """One object's result, keyed by `id` (`bucket/key`); a field without a value is not stored.

    A `done` item holds the JSON `document` (or, when it is too large for an item, a trimmed view of it
    and `document_location` in the results bucket) and projections of it for listings; a `failed` item
    holds `error`, a reason that never quotes the article. The event's own fields (`etag` to
    `event_order`) and the model's are None, and so not stored, when there is no value for them.
    `uploaded_at` (the event's time, UTC) orders listings. `index_manifest` lists the keys of the
    article's query-index entries and `index_pending` those of earlier versions not yet removed;
    `write_id` names the write that owns the index, so a superseded run can never change it.
    """

    id: str
    bucket: str
    key: str
    status: ItemStatus
    uploaded_at: str
    processed_at: str
    pipeline_version: str
    write_id: NotRequired[str]
    index_manifest: NotRequired[list[str]]
    index_pending: NotRequired[list[str]]
    expires_at: NotRequired[int]
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
    model_name: NotRequired[str | None]
    model_version: NotRequired[str | None]
