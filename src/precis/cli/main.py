"""The command line: parse, run the chosen command, turn every expected failure into a message and a code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from precis import __version__
from precis.cli import archive, bulk, embedded, query, summarise, web
from precis.cli.options import Command, report_error
from precis.errors import MEANINGS, ExitCode, UserError
from precis.names import DEFAULT_ENDPOINT_URL

LOG_HANDLER_NAME = "precis-cli"
EXIT_CODES = "\n".join(f"  {int(code):<3}  {meaning}" for code, meaning in MEANINGS.items())

EPILOG = f"""\
where AWS commands go:
  --stack NAME     the deployed stack's outputs name the resources; credentials and region come from
                   AWS_PROFILE, AWS_REGION/AWS_DEFAULT_REGION as usual (and --endpoint-url if given)
  otherwise        the embedded stack's names, at --endpoint-url, else AWS_ENDPOINT_URL, else
                   {DEFAULT_ENDPOINT_URL} (start it with `precis serve`), with fake credentials

exit codes:
{EXIT_CODES}"""


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
    verbosity.add_argument(
        "-v", "--verbose", action="store_true", help="debug logs on stderr (serve: the workers' whole logs)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        summarise.add_summarise,
        embedded.add_serve,
        archive.add_status,
        archive.add_ingest,
        query.add_query,
        bulk.add_reprocess,
        bulk.add_export,
        embedded.add_demo,
        web.add_web,
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


def aws_error_message(error: Exception) -> str | None:
    """A one-line reason for an AWS failure without botocore's traceback; None for any other error.

    botocore is imported only by commands that call AWS, so an error can only be one of its own once
    a command has imported it: looking it up in sys.modules keeps `precis --help` free of that import.
    """
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None or not isinstance(error, exceptions.BotoCoreError | exceptions.ClientError):
        return None
    if isinstance(error, exceptions.NoCredentialsError):
        return "no AWS credentials found; set AWS_PROFILE or run `aws configure`"
    if isinstance(error, exceptions.ClientError):
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
    except KeyboardInterrupt:
        report_error("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return ExitCode.BROKEN_PIPE
    except Exception as error:
        message = aws_error_message(error)
        if message is None:
            raise
        report_error(message)
        return ExitCode.FAILED
