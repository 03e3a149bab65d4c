"""Which uploads are articles: a suffix test in any case, which S3's case-sensitive suffix filters cannot do.

The bucket notifies the function of every upload, and the function answers every one: an article is
summarised, anything else gets a `failed` item saying its type is not supported (never a silent gap).
"""

from __future__ import annotations

from pathlib import PurePosixPath

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")


def is_supported(key: str) -> bool:
    """An article by its name: `UPPER.TXT` and `page.Html` are, `photo.jpg` and `README` are not."""
    return key.lower().endswith(SUPPORTED_SUFFIXES)


def unsupported_reason(key: str) -> str:
    """Why an upload is not summarised, naming its suffix only (never its content)."""
    suffix = PurePosixPath(key).suffix
    kind = f"files ending in {suffix!r}" if suffix else "files without a suffix"
    return f"type not supported: {kind} are not summarised (only {', '.join(SUPPORTED_SUFFIXES)}, any case)"
