"""`python -m tools.benchmark`: cold start, warm cost, throughput, memory, end to end, peers, query index,
HTTP API and viewer, and cost."""

from __future__ import annotations

from collections.abc import Sequence

DEFAULT_PROG = "python -m tools.benchmark"


def main(argv: Sequence[str] | None = None, prog: str = DEFAULT_PROG) -> int:
    """Run the benchmark and write docs/BENCH.md; imported lazily so `precis --help` stays fast."""
    from tools.benchmark.runner import run_from_args

    return run_from_args(argv, prog)
