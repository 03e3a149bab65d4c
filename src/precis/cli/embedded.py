"""`precis serve` and `precis demo`: the embedded stack in the foreground, or a private one over the seeds."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from precis.aws.settings import DEFAULT_MAX_OBJECT_BYTES
from precis.cli.archive import upload, wait_for
from precis.cli.options import (
    Subparsers,
    add_command,
    add_model_option,
    add_timeout_option,
    emit,
    models_setting,
    port_number,
    positive_int,
    require_installed,
    resolve_models,
)
from precis.cli.render import item_report
from precis.errors import ExitCode, UnavailableError, UserError
from precis.names import DEFAULT_HANDLER, DEFAULT_PORT, DEFAULT_WEB_PORT

if TYPE_CHECKING:
    from precis.aws.items import ResultItem
    from precis.local.stack import EmbeddedStack, StackOptions

logger = logging.getLogger("precis.cli")
VIEWER_HINT = (
    f"Browse results in the viewer: `precis serve` (or `make serve`), `precis ingest seeds --wait`, "
    f"then open http://127.0.0.1:{DEFAULT_WEB_PORT}/"
)


def _raise_interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so the same `with` blocks stop the workers and the server."""
    raise KeyboardInterrupt


@contextmanager
def interrupt_on_stop_signals() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop a stack for its lifetime, even where SIGINT came in ignored (a process started
    in the background by a script inherits that, and Python then leaves Ctrl-C ignored)."""
    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupt),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def stack_options(args: argparse.Namespace, **overrides: Any) -> StackOptions:
    """StackOptions from the flags `serve` and `demo` share (moto and Flask are imported here, not before)."""
    from precis.local.stack import StackOptions

    models = resolve_models(args.model, os.environ)
    require_installed(models)
    return StackOptions(port=args.port, workers=args.workers, models=models_setting(models), **overrides)


def banner(stack: EmbeddedStack) -> str:
    """What `precis serve` prints on start: where to point clients and what exists there."""
    target, options = stack.started_target(), stack.options
    return "\n".join(
        [
            f"Précis embedded stack at {stack.endpoint_url} (region {target.session.region_name})",
            f"  bucket   {target.names.bucket}",
            f"  queue    {target.names.queue} (visibility {options.visibility_timeout} s, "
            f"DLQ after {options.max_receive_count} receives)",
            f"  dlq      {target.names.dead_letter_queue}",
            f"  table    {target.names.table} (idempotency: {target.names.idempotency_table})",
            f"  results  {target.names.results_bucket} (documents too large for an item)",
            f"  workers  {options.workers} x {options.handler} ({options.models})",
            f"  viewer   {stack.web_url} (API: {stack.web_url}api/openapi.json)",
            f"Try: precis ingest seeds --wait --endpoint-url {stack.endpoint_url}",
        ]
    )


def watch_workers(stack: EmbeddedStack) -> NoReturn:
    """Run until interrupted; a worker that dies is an error rather than a silently shrinking stack."""
    while True:
        time.sleep(0.5)
        dead = stack.dead_workers()
        if dead:
            raise UnavailableError(f"worker stopped unexpectedly: {', '.join(dead)}; see the log above")


def command_serve(args: argparse.Namespace) -> int:
    """Run the embedded stack (moto on 127.0.0.1 + workers calling the handler) until Ctrl-C or SIGTERM."""
    from precis.local.stack import READY_TIMEOUT, EmbeddedStack

    with worker_log(args.verbose) as log_file:
        options = stack_options(
            args,
            visibility_timeout=args.visibility_timeout,
            max_receive_count=args.max_receive_count,
            max_object_bytes=args.max_object_bytes,
            log_level=args.log_level,
            handler=args.handler,
            web_port=args.web_port,
            log_file=log_file,
        )
        try:
            with interrupt_on_stop_signals(), EmbeddedStack(options) as stack:
                emit(banner(stack))
                stack.wait_ready(READY_TIMEOUT)
                logger.info("workers ready; Ctrl-C to stop")
                watch_workers(stack)
        except KeyboardInterrupt:
            logger.info("stopped")
    return 0


@contextmanager
def worker_log(verbose: bool) -> Iterator[str | None]:
    """With -v the workers log straight to stderr; else to a file of which only outcomes, warnings and
    errors are shown (the handler's JSON lines, metrics and library chatter stay in the file)."""
    if verbose:
        yield None
        return
    from precis.cli.worker_log import condensed_log

    with tempfile.TemporaryDirectory(prefix="precis-serve-") as folder:
        path = Path(folder) / "workers.log"
        with condensed_log(path):
            yield str(path)


def find_seeds(explicit: str | None, start: Path) -> Path:
    """--seeds, else the nearest `seeds/` folder from the current directory upwards (the repository's)."""
    if explicit:
        if not Path(explicit).is_dir():
            raise UserError(f"--seeds {explicit}: not a folder")
        return Path(explicit)
    for folder in (start, *start.parents):
        if (folder / "seeds").is_dir():
            return folder / "seeds"
    raise UserError(f"no seeds/ folder in {start} or above; run it from the repository or pass --seeds DIR")


def demo_report(items: Sequence[ResultItem], missing: Sequence[str], timeout: int) -> str:
    """Each article's report, then the ones that got no item, then the totals."""
    reports = [item_report(item) for item in items]
    reports += [f"== {key} [no item after {timeout} s]" for key in missing]
    failed = sum(item.get("status") != "done" for item in items)
    done = len(items) - failed
    totals = f"{len(items) + len(missing)} articles: {done} done, {failed} failed, {len(missing)} missing"
    return "\n\n".join([*reports, totals])


def command_demo(args: argparse.Namespace) -> int:
    """Start a private embedded stack, ingest the seeds, print a report of each article, stop everything."""
    seeds = find_seeds(args.seeds, Path.cwd())
    from precis.local.stack import READY_TIMEOUT, EmbeddedStack

    options = stack_options(args, log_level="WARNING", environment={"POWERTOOLS_METRICS_DISABLED": "true"})
    with interrupt_on_stop_signals(), EmbeddedStack(options) as stack:
        logger.info(
            "embedded stack at %s; loading the model in %d worker(s)", stack.endpoint_url, args.workers
        )
        stack.wait_ready(READY_TIMEOUT)
        uploaded, _ = upload(stack.started_target(), [seeds], "", not args.quiet)
        items, missing = wait_for(stack.started_target(), uploaded, args.timeout, not args.quiet)
    emit(demo_report(items, missing, args.timeout))
    emit(VIEWER_HINT)
    return ExitCode.FAILED if missing or any(item.get("status") != "done" for item in items) else ExitCode.OK


def add_stack_options(parser: argparse.ArgumentParser, port: int, port_help: str) -> None:
    """Options of the commands that run an embedded stack."""
    parser.add_argument("--port", type=port_number, default=port, help=port_help)
    parser.add_argument("--workers", type=positive_int, default=2, help="worker processes (default: 2)")
    add_model_option(parser)


def add_serve(commands: Subparsers) -> None:
    """`precis serve`"""
    parser = add_command(commands, "serve", command_serve, "run the embedded stack in the foreground")
    add_stack_options(
        parser, DEFAULT_PORT, f"port on 127.0.0.1 (default: {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--web-port",
        type=port_number,
        default=DEFAULT_WEB_PORT,
        help=f"port of the API and viewer on 127.0.0.1 (default: {DEFAULT_WEB_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--visibility-timeout", type=positive_int, default=360, help="seconds (default: 360, as deployed)"
    )
    parser.add_argument(
        "--max-receive-count", type=positive_int, default=5, help="receives before the DLQ (default: 5)"
    )
    parser.add_argument(
        "--max-object-bytes",
        type=positive_int,
        default=DEFAULT_MAX_OBJECT_BYTES,
        help=f"larger objects are refused (default: {DEFAULT_MAX_OBJECT_BYTES})",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="the workers' log level",
    )
    parser.add_argument(
        "--handler",
        default=DEFAULT_HANDLER,
        metavar="MODULE:FUNCTION",
        help=f"the function the workers call (default: {DEFAULT_HANDLER})",
    )


def add_demo(commands: Subparsers) -> None:
    """`precis demo`"""
    parser = add_command(commands, "demo", command_demo, "run the seed articles through a private stack")
    parser.add_argument("--seeds", metavar="DIR", help="articles folder (default: the nearest seeds/ folder)")
    add_stack_options(parser, 0, "port on 127.0.0.1 (default: 0, a free one)")
    add_timeout_option(parser)
