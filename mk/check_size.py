"""Fails the build when the function plus its layers would come near Lambda's 250 MB unzipped limit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MIB = 1024 * 1024


def model_layer(model: str) -> str:
    """Logical id of a model's layer in template.yaml, e.g. fr_core_news_sm -> FrCoreNewsSmLayer."""
    return "".join(part.capitalize() for part in model.split("_")) + "Layer"


def unzipped_bytes(directory: Path) -> int:
    """Sum of file sizes, which is what Lambda counts (not disk blocks)."""
    if not directory.is_dir():
        raise SystemExit(f"{directory} is missing: run `make build` first")
    return sum(
        path.stat().st_size for path in directory.rglob("*") if path.is_file() and not path.is_symlink()
    )


def main(argv: list[str] | None = None) -> int:
    """Prints each part and the total in MB (2**20 bytes, as Lambda's quota) and fails over the limit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--model", default="fr_core_news_sm")
    parser.add_argument("--limit-mb", type=float, default=200)
    args = parser.parse_args(argv)
    parts = ["SummariseFunction", "NlpLayer", model_layer(args.model)]
    sizes = {part: unzipped_bytes(args.build_dir / part) / MIB for part in parts}
    total = sum(sizes.values())
    details = ", ".join(f"{part} {size:.1f}" for part, size in sizes.items())
    print(f"unzipped size: {total:.1f} MB ({details}); limit {args.limit_mb:g} MB")
    if total > args.limit_mb:
        print(f"over the limit by {total - args.limit_mb:.1f} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
