"""One cold start in a fresh interpreter; run as a script so nothing is imported before the clock starts.

Prints one JSON line last: monotonic times (system-wide on Linux, so the parent can subtract its launch
time) at import done, model loaded and first article done, and the process's peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import uuid
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


class Context:
    """The attributes of Lambda's context that Powertools and the handler read."""

    function_name = "precis-bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:precis-bench"
    memory_limit_in_mb = 2048
    log_group_name = "/aws/lambda/precis-bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        """A full minute: the benchmark never runs against the function timeout."""
        return 60_000


def handler(event_path: str) -> dict[str, float]:
    """The Lambda module as Lambda runs it: import (which loads the model), then one S3 event."""
    import precis.aws.handler as function

    imported = time.monotonic()
    function.lambda_handler(json.loads(Path(event_path).read_text()), Context())
    return {"imported": imported, "loaded": imported}


MODES: dict[str, Any] = {"stock": stock, "core": core, "handler": handler}


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
