"""Errors a person can act on, and the exit codes the `precis` command and the tools report them with."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code the command uses; `precis --help` lists them and scripts may rely on them."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNAVAILABLE = 3
    INTERRUPTED = 130
    BROKEN_PIPE = 141


MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "some files, items or lookups failed",
    ExitCode.USAGE: "usage error",
    ExitCode.UNAVAILABLE: "stack, model or data unavailable",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.BROKEN_PIPE: "the output pipe was closed (as after `| head`)",
}


class UserError(Exception):
    """A mistake or a missing piece the user can fix; `str()` says what to do."""

    exit_code = ExitCode.USAGE


class UnavailableError(UserError):
    """The stack or a model cannot be reached or loaded, so the command cannot run at all."""

    exit_code = ExitCode.UNAVAILABLE


class NotFoundError(UserError):
    """What was asked for does not exist (yet); the command ran but has nothing to show."""

    exit_code = ExitCode.FAILED
