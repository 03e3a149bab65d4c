"""Regenerate one section of docs/BENCH.md (`--only`): its block and its targets rows come from this run,
every other block and row stays as the last full run wrote it, and the header says what was redone when."""

from __future__ import annotations

from collections.abc import Sequence

# Sections whose block no other section's figures feed (throughput and jobs share a table, warm and
# query feed the cost section): only these can be redone alone.
STANDALONE = {
    "cold": "## Cold start",
    "lambda": "## Cold start under Lambda's conditions",
    "query": "## Query index",
    "api": "## HTTP API and viewer",
}
TARGETS = "## Targets"
PREAMBLE = ""
NOT_MEASURED = "–"


def blocks(text: str) -> dict[str, list[str]]:
    """A report's lines by `## ` heading, in order; what comes before the first heading is under ""."""
    found: dict[str, list[str]] = {PREAMBLE: []}
    current = PREAMBLE
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("## "):
            current = line
            found[current] = []
        found[current].append(line)
    return found


def splice(existing: str, fresh: str, sections: Sequence[str], note: str) -> str:
    """`existing` with the blocks of `sections` taken from `fresh` (a new block placed where a full report
    puts it), the targets rows `fresh` measured replaced or added, and `note` in the header."""
    old, new = blocks(existing), blocks(fresh)
    order = list(new)
    for name in sections:
        heading = STANDALONE[name]
        old = _placed(old, heading, new[heading], order)
    if TARGETS in old and TARGETS in new:
        old[TARGETS] = _targets(old[TARGETS], new[TARGETS])
    old[PREAMBLE] = _noted(old[PREAMBLE], sections, note)
    return "\n".join(line for lines in old.values() for line in lines).rstrip() + "\n"


def _placed(
    old: dict[str, list[str]], heading: str, lines: list[str], order: list[str]
) -> dict[str, list[str]]:
    """The blocks with `heading`'s replaced, or inserted before the first one a full report puts after it."""
    if heading in old:
        return {**old, heading: lines}
    later = set(order[order.index(heading) + 1 :])
    placed: dict[str, list[str]] = {}
    for name, block in old.items():
        if name in later and heading not in placed:
            placed[heading] = lines
        placed[name] = block
    placed.setdefault(heading, lines)
    return placed


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _rows(block: list[str]) -> list[str]:
    """The body rows of the (one) table in a block: after its header and separator."""
    return [line for line in block if line.startswith("|")][2:]


def _targets(old: list[str], new: list[str]) -> list[str]:
    """The old targets table with each row this run measured replaced (by target name) or appended."""
    measured = {_cells(line)[0]: line for line in _rows(new) if _cells(line)[1] != NOT_MEASURED}
    rows = _rows(old)
    if not rows:
        return new
    replaced = [measured.pop(_cells(line)[0], line) for line in rows]
    at = old.index(rows[0])
    return [*old[:at], *replaced, *measured.values(), *old[at + len(rows) :]]


def _noted(preamble: list[str], sections: Sequence[str], note: str) -> list[str]:
    """The header's bullet list with one line saying which sections this run redid, replacing an older one
    about the same sections."""
    marker = f"- {', '.join(f'`{name}`' for name in sections)} regenerated alone"
    lines = [line for line in preamble if not line.startswith(marker)]
    bullets = [index for index, line in enumerate(lines) if line.startswith("- ")]
    at = bullets[-1] + 1 if bullets else len(lines)
    return [*lines[:at], f"{marker}: {note}", *lines[at:]]
