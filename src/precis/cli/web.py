"""`precis web`: the viewer on 127.0.0.1 over a stack's archive, read in-process with your credentials."""

from __future__ import annotations

import argparse
import logging
import threading

from precis.cli.options import Subparsers, add_aws_options, add_command, emit, port_number, target_from
from precis.names import DEFAULT_WEB_PORT

logger = logging.getLogger("precis.cli")


def command_web(args: argparse.Namespace) -> int:
    """Serve the API and viewer on 127.0.0.1 over a deployed stack (--stack) or the embedded one, with the
    same router as ApiFunction but no public endpoint: requests are read with your own AWS credentials."""
    from precis.cli.embedded import interrupt_on_stop_signals
    from precis.local.web import ApiServer, api_handler

    target = target_from(args)
    try:
        with interrupt_on_stop_signals(), ApiServer(api_handler(target), args.web_port) as server:
            emit(f"Précis viewer at {server.url} (reading {target.names.table}); Ctrl-C to stop")
            threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("stopped")
    return 0


def add_web(commands: Subparsers) -> None:
    """`precis web`"""
    parser = add_command(commands, "web", command_web, "browse a stack's archive in the viewer")
    parser.add_argument(
        "--web-port",
        type=port_number,
        default=DEFAULT_WEB_PORT,
        help=f"port on 127.0.0.1 (default: {DEFAULT_WEB_PORT}; 0 picks a free one)",
    )
    add_aws_options(parser)
