"""Uploading articles and waiting for their items: what `precis ingest` and `precis demo` share."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from precis.aws import formats
from precis.aws.items import ResultItem
from precis.aws.storage import get_result
from precis.errors import UserError

CONTENT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html"}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """A local file and the key it goes to."""

    path: Path
    key: str


@dataclass(frozen=True)
class Uploaded:
    """An uploaded object and its ETag, so a stale item of an older upload is not mistaken for it."""

    key: str
    etag: str


@dataclass(frozen=True)
class Plan:
    """What to upload, and what was left out because the bucket notification would ignore it."""

    uploads: list[Upload]
    skipped: list[Path]


def normalise_prefix(prefix: str) -> str:
    """A prefix names a folder: `incoming` and `incoming/` both give `incoming/<key>`."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def is_supported(path: Path) -> bool:
    """The files the function summarises (any other upload would only get a `failed` item)."""
    return formats.is_supported(path.name)


def files_under(root: Path) -> Iterable[Path]:
    """Every file below a folder, in a stable order."""
    return sorted(path for path in root.rglob("*") if path.is_file())


def candidates(path: Path) -> list[tuple[Path, str]]:
    """(file, key relative to `path`): a folder's files keep their tree, a lone file keeps its name."""
    if path.is_dir():
        return [(file, file.relative_to(path).as_posix()) for file in files_under(path)]
    return [(path, path.name)]


def plan_uploads(paths: Sequence[Path], prefix: str = "") -> Plan:
    """Keys relative to each given folder (or the bare file name), under the prefix."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise UserError(f"no such file or folder: {', '.join(missing)}")
    folder = normalise_prefix(prefix)
    uploads: list[Upload] = []
    skipped: list[Path] = []
    for path in paths:
        for file, relative in candidates(path):
            if is_supported(file):
                uploads.append(Upload(file, folder + relative))
            else:
                skipped.append(file)
    return Plan(uploads, skipped)


def content_type(path: Path) -> str:
    """A Content-Type so the objects open sensibly in a browser or the console."""
    return CONTENT_TYPES.get(path.suffix, "application/octet-stream")


def progress_bar(total: int, unit: str, desc: str, show: bool) -> tqdm[Any]:
    """A bar on stderr that hides itself when stderr is not a terminal (or when asked to be quiet)."""
    return tqdm(total=total, unit=unit, desc=desc, leave=False, disable=None if show else True)


def upload_one(s3: Any, bucket: str, upload: Upload) -> Uploaded | None:
    """Upload one file; an unreadable file is reported and skipped, not fatal to the others."""
    try:
        body = upload.path.read_bytes()
    except OSError as error:
        logger.error("cannot read %s: %s", upload.path, error.strerror or error)
        return None
    response = s3.put_object(Bucket=bucket, Key=upload.key, Body=body, ContentType=content_type(upload.path))
    return Uploaded(upload.key, response["ETag"].strip('"'))


def upload_all(s3: Any, bucket: str, uploads: Sequence[Upload], *, progress: bool = True) -> list[Uploaded]:
    """Upload every file with a progress bar on stderr; returns what was uploaded."""
    done: list[Uploaded] = []
    with progress_bar(len(uploads), "file", "uploading", progress) as bar:
        for upload in uploads:
            uploaded = upload_one(s3, bucket, upload)
            if uploaded is not None:
                done.append(uploaded)
            bar.update()
    return done


def matches(item: ResultItem, uploaded: Uploaded) -> bool:
    """The item describes this very upload (same content), not an earlier object under the same key."""
    return str(item.get("etag") or "").strip('"') == uploaded.etag


def wait_for_items(
    dynamodb: Any,
    s3: Any,
    table: str,
    bucket: str,
    uploaded: Sequence[Uploaded],
    *,
    timeout: float,
    interval: float = 0.5,
    progress: bool = True,
) -> tuple[dict[str, ResultItem], list[str]]:
    """Poll until every upload has its item or time is up; returns (items by key, keys still missing).

    With `s3`, documents kept in the results bucket (too large for an item) are read back whole.
    """
    deadline = time.monotonic() + timeout
    found: dict[str, ResultItem] = {}
    pending = list(uploaded)
    with progress_bar(len(pending), "item", "waiting", progress) as bar:
        while pending:
            for upload in list(pending):
                item = get_result(dynamodb, table, bucket, upload.key, s3=s3)
                if item is not None and matches(item, upload):
                    found[upload.key] = item
                    pending.remove(upload)
                    bar.update()
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(interval)
    return found, [upload.key for upload in pending]
