"""One cold start in a fresh interpreter; run as a script so nothing is imported before the clock starts.

Prints one JSON line last: monotonic times (system-wide on Linux, so the parent can subtract its launch
time) at import done, model loaded and first article done, and the process's peak RSS.
"""

from __future__ import annotations

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


MODES: dict[str, Any] = {"stock": stock, "core": core, "handler": handler, "cli": cli}


def main(argv: list[str]) -> int:
    """`probe.py MODE ARG...`: time one mode and print the JSON line."""
    started = time.monotonic()
    marks = MODES[argv[0]](*argv[1:])
    done = time.monotonic()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"started": started, **marks, "done": done, "peak_rss_kb": peak_kb}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
