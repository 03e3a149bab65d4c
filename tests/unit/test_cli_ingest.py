"""Which files `precis ingest` uploads and under which keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from precis.errors import UserError
from precis.stack.ingest import Upload, Uploaded, matches, normalise_prefix, plan_uploads
from tests.conftest import result_item


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of articles with sub-folders, odd names and files the notification would ignore."""
    for relative in [
        "a.txt",
        "sub/b.md",
        "sub/deeper/c d+é.html",
        "page.htm",
        "notes.pdf",
        "UPPER.TXT",
        "noext",
    ]:
        path = tmp_path / "articles" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    return tmp_path / "articles"


def test_ingest_folder_keys_are_relative_to_the_folder(tree: Path) -> None:
    plan = plan_uploads([tree])

    assert [upload.key for upload in plan.uploads] == [
        "UPPER.TXT",
        "a.txt",
        "page.htm",
        "sub/b.md",
        "sub/deeper/c d+é.html",
    ]
    assert sorted(path.name for path in plan.skipped) == ["noext", "notes.pdf"]


def test_ingest_file_key_is_its_name_under_the_prefix(tree: Path) -> None:
    plan = plan_uploads([tree / "sub" / "b.md", tree / "a.txt"], prefix="/incoming/2024")

    assert plan.uploads == [
        Upload(tree / "sub" / "b.md", "incoming/2024/b.md"),
        Upload(tree / "a.txt", "incoming/2024/a.txt"),
    ]


@pytest.mark.parametrize(("prefix", "expected"), [("", ""), ("in", "in/"), ("in/", "in/"), ("/a/b/", "a/b/")])
def test_ingest_prefix_is_a_folder(prefix: str, expected: str) -> None:
    assert normalise_prefix(prefix) == expected


def test_ingest_missing_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file or folder"):
        plan_uploads([tmp_path / "nope.txt"])


def test_ingest_item_matches_only_the_uploaded_content() -> None:
    uploaded = Uploaded("a.txt", "abc123")

    item = result_item("articles", "a.txt")

    assert matches({**item, "etag": '"abc123"'}, uploaded)
    assert not matches({**item, "etag": "older"}, uploaded)
    assert not matches(item, uploaded)
