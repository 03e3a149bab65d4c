"""moto's S3 notifications made to carry what S3 sends: a sequencer, the version id, deletion events.

moto 5.2.5's notification records have no `sequencer` and no `versionId`, so the function can only order
local uploads by event time, and a replayed real event (which has a sequencer) outranks every later local
upload of its key forever. It also notifies nothing when a versioned bucket's object is deleted (S3 sends
`ObjectRemoved:DeleteMarkerCreated`). Here each record gets a sequencer that grows with every event of its
key, in the form published events have (the Unix time in seconds as 10 hex digits, then 8 more that order
events within the second), so a real event replayed later still sorts before a newer local upload; and
a deletion that leaves a delete marker is notified with the marker's version id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from moto.s3 import notifications
from moto.s3.models import FakeDeleteMarker, S3Backend

# Ten hex digits of seconds, eight of nanoseconds within the second (1e9 < 16**8): 18 digits, as S3's.
_FRACTION = 16**8
_lock = threading.Lock()
_last: dict[tuple[str, str], int] = {}
_installed: list[bool] = []


def install() -> None:
    """Patch moto's S3 notifications (once per process)."""
    if _installed:
        return
    notifications._get_s3_event = _with_s3_fields(notifications._get_s3_event)
    S3Backend.delete_object = _notifying_delete_markers(S3Backend.delete_object)  # type: ignore[method-assign]
    _installed.append(True)


def next_sequencer(bucket: str, key: str, now_ns: int | None = None) -> str:
    """A sequencer above every earlier one of this key, and above those of events from earlier seconds."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    seconds, nanoseconds = divmod(now_ns, 1_000_000_000)
    value = seconds * _FRACTION + nanoseconds
    with _lock:
        value = max(value, _last.get((bucket, key), -1) + 1)
        _last[(bucket, key)] = value
    return f"{value:018X}"


def _with_s3_fields(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """moto's record, plus the sequencer and the version id; a delete marker's record has neither size nor
    ETag, as S3's has not."""

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        marker = isinstance(key, FakeDeleteMarker)
        event = build(event_name, bucket, _object_of(key), notification_id)
        obj = event["Records"][0]["s3"]["object"]
        if marker:
            del obj["size"], obj["eTag"]
        if key.version_id != "null":
            obj["versionId"] = key.version_id
        obj["sequencer"] = next_sequencer(bucket.name, key.name)
        return event

    return get_s3_event


def _object_of(key: Any) -> Any:
    """The object version a delete marker hides (a marker may hide another marker)."""
    while isinstance(key, FakeDeleteMarker):
        key = key.key
    return key


def _notifying_delete_markers(delete: Callable[..., Any]) -> Callable[..., Any]:
    """Deleting the current version of a versioned bucket's object notifies the delete marker it leaves."""

    def delete_object(
        self: S3Backend, bucket_name: str, key_name: str, version_id: str | None = None, **kwargs: Any
    ) -> Any:
        deleted, meta = delete(self, bucket_name, key_name, version_id, **kwargs)
        if deleted and meta.get("delete-marker") == "true" and version_id is None:
            bucket = self.get_bucket(bucket_name)
            marker = bucket.keys.get(key_name)
            if isinstance(marker, FakeDeleteMarker):
                event = notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT
                notifications.send_event(self.account_id, event, bucket, marker)
        return deleted, meta

    return delete_object
