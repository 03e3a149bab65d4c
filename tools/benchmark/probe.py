"""One cold start in a fresh interpreter; run as a script so nothing is imported before the clock starts.

Prints one JSON line last: monotonic times (system-wide on Linux, so the parent can subtract its launch
time) at import done, model loaded and first article done, and the process's peak RSS.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def stock(model: str, article: str) -> dict[str, float]:
    """spaCy as documented: `spacy.load(model)` (full pipeline) and one `nlp(text)`."""
    import spacy

    imported = time.monotonic()
    nlp = spacy.load(model)
    loaded = time.monotonic()
    nlp(Path(article).read_text(encoding="utf-8"))
    return {"imported": imported, "loaded": loaded}


def core(model: str, article: str, cache_dir: str = "") -> dict[str, float]:
    """Précis's core: import, `Summariser.load`, one `summarise(bytes)`."""
    from precis.core.pipeline import Summariser

    imported = time.monotonic()
    summariser = Summariser.load({"fr": model}, cache_dir=Path(cache_dir) if cache_dir else None)
    loaded = time.monotonic()
    summariser.summarise(Path(article).read_bytes())
    return {"imported": imported, "loaded": loaded}


def handler(event_path: str) -> dict[str, float]:
    """The Lambda entry as Lambda runs it: the init phase (which loads the model), then one S3 event."""
    from precis.aws.summarise import from_environment
    from precis.local.context import LambdaContext

    lambda_handler = from_environment()
    imported = time.monotonic()
    lambda_handler(json.loads(Path(event_path).read_text()), LambdaContext())
    return {"imported": imported, "loaded": imported}


def cli(*argv: str) -> dict[str, float]:
    """The `precis` command as a person runs it: import the CLI, then the command (its output discarded)."""
    import contextlib
    import io

    from precis.cli.main import main

    imported = time.monotonic()
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
        main(list(argv))
    return {"imported": imported, "loaded": imported}


class Phases:
    """Wall and CPU seconds of consecutive phases, each from the end of the one before."""

    def __init__(self) -> None:
        self.done: list[tuple[str, float, float]] = []
        self.wall, self.cpu = time.monotonic(), time.process_time()

    def end(self, name: str, *, minus: Phases | None = None) -> None:
        """Close the phase `name` here; `minus` takes out what timed sub-phases already counted."""
        wall, cpu = time.monotonic(), time.process_time()
        inner_wall, inner_cpu = (0.0, 0.0) if minus is None else minus.totals()
        self.done.append((name, wall - self.wall - inner_wall, cpu - self.cpu - inner_cpu))
        self.wall, self.cpu = wall, cpu

    def totals(self) -> tuple[float, float]:
        """Wall and CPU seconds of every phase recorded."""
        return sum(wall for _, wall, _ in self.done), sum(cpu for _, _, cpu in self.done)

    def timing(self, name: str, function: Any) -> Any:
        """`function`, recording each call's time as the phase `name` (the loaders the init phase calls)."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.wall, self.cpu = time.monotonic(), time.process_time()
            result = function(*args, **kwargs)
            self.end(name)
            return result

        return timed


def lambda_stock(model: str, article: str) -> dict[str, Any]:
    """Stock spaCy from the layers: `import spacy`, `spacy.load(model)`, one `nlp(text)`."""
    phases = Phases()
    import spacy

    phases.end("imports")
    nlp = spacy.load(model)
    phases.end("model load")
    nlp(Path(article).read_text(encoding="utf-8"))
    phases.end("first article")
    return {"phases": phases.done}


def lambda_function(event_path: str) -> dict[str, Any]:
    """What the runtime does: `import app` (the init phase), then the handler on one S3 event.

    The shell and core modules are imported first (as the shell imports them) to separate imports from
    loading; the model and language-identifier loaders are wrapped to time them inside the init phase.
    """
    phases = Phases()
    importlib.import_module("precis.aws.summarise").summariser_class()
    import precis.core.pipeline as pipeline

    phases.end("imports")
    loaders = Phases()
    pipeline.load_entity_pipeline = loaders.timing("model load", pipeline.load_entity_pipeline)
    pipeline.identifier = loaders.timing("language identifier", pipeline.identifier)
    phases.wall, phases.cpu = time.monotonic(), time.process_time()
    import app  # type: ignore[import-not-found]

    phases.end("other init", minus=loaders)
    context = BenchContext(deadline=time.monotonic() + 60)
    app.lambda_handler(json.loads(Path(event_path).read_text()), context)
    phases.end("first article")
    return {"phases": [*phases.done[:1], *loaders.done, *phases.done[1:]]}


class BenchContext:
    """The Lambda context attributes Powertools and the handler read (precis.local is not in the build)."""

    function_name = "precis-bench-summarise"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:precis-bench-summarise"
    memory_limit_in_mb = 2048
    aws_request_id = "bench-cold-start"
    log_group_name = "/aws/lambda/precis-bench-summarise"
    log_stream_name = "bench"

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


MODES: dict[str, Any] = {
    "stock": stock,
    "core": core,
    "handler": handler,
    "cli": cli,
    "lambda_stock": lambda_stock,
    "lambda_function": lambda_function,
}


def main(argv: list[str]) -> int:
    """`probe.py MODE ARG...`: time one mode and print the JSON line."""
    started, started_cpu = time.monotonic(), time.process_time()
    marks = MODES[argv[0]](*argv[1:])
    done = time.monotonic()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {"started": started, "started_cpu": started_cpu, **marks, "done": done, "peak_rss_kb": peak_kb}
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
