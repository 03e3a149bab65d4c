"""Errors the user can act on: the CLI prints their message and exits with their code, never a traceback."""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class UserError(Exception):
    """A mistake or a missing piece the user can fix; `str()` says what to do."""

    exit_code = EXIT_USAGE


class UnavailableError(UserError):
    """The stack or a model cannot be reached or loaded, so the command cannot run at all."""

    exit_code = EXIT_UNAVAILABLE


class NotFoundError(UserError):
    """What was asked for does not exist (yet); the command ran but has nothing to show."""

    exit_code = EXIT_FAILED
