"""The `precis` command: each command imports what it uses when it runs, so `precis --help` starts at once."""

from precis.cli.main import main

__all__ = ["main"]
