"""The API and viewer on 127.0.0.1: each HTTP request becomes the HTTP API v2 event API Gateway would send,
and the same Lambda handler answers it (what `sam local start-api` does, without Docker)."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from precis.aws.api import LambdaHandler, create_router, handler_for
from precis.errors import UnavailableError
from precis.local.context import LambdaContext
from precis.names import LOCAL_ACCOUNT_ID
from precis.stack.target import Target

HOST = "127.0.0.1"
MAX_BODY_BYTES = 1_000_000
FUNCTION_NAME = "precis-local-api"


def http_api_event(
    method: str, target: str, headers: Mapping[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    """The payload format 2.0 event for one request: raw path and query, headers lower-cased, repeated
    query parameters joined by commas, as API Gateway builds it."""
    parts = urlsplit(target)
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    lowered = {name.lower(): value for name, value in headers.items()}
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": lowered,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": "local",
            "domainName": lowered.get("host", HOST),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(body),
    }
    if parameters:
        event["queryStringParameters"] = parameters
    if lowered.get("cookie"):
        event["cookies"] = [cookie.strip() for cookie in lowered["cookie"].split(";")]
    if body:
        event["body"] = base64.b64encode(body).decode()
    return event


def api_handler(target: Target) -> LambdaHandler:
    """ApiFunction's handler over a stack's archive, read with the target's own clients and credentials."""
    archive = target.archive()
    return handler_for(create_router(archive, archive.s3, target.names.bucket))


class _Handler(BaseHTTPRequestHandler):
    """Turns one request into an event, and the handler's answer into the response."""

    # TCP_NODELAY: a small response goes out at once instead of waiting for the client's delayed ACK.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    function: LambdaHandler
    # One invocation at a time, as in one Lambda execution environment: the router keeps the current
    # request's event and arguments on itself, so two requests resolved at once would mix them up.
    invocation: threading.Lock

    def _answer(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
        body = self.rfile.read(length) if length else b""
        event = http_api_event(
            self.command, self.path, dict(self.headers.items()), body, self.client_address[0]
        )
        with self.invocation:
            response = self.function(event, LambdaContext(function_name=FUNCTION_NAME))
        payload = response.get("body") or ""
        data = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
        self.send_response(int(response.get("statusCode", 200)))
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, str(value))
        for cookie in response.get("cookies") or []:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: paths carry object keys and entity names, which belong in no log."""


class ApiServer:
    """A threaded HTTP server on 127.0.0.1 (a browser's connections are served side by side) in front of
    one Lambda handler, called for one request at a time; a context manager."""

    def __init__(self, function: LambdaHandler, port: int = 0) -> None:
        attributes = {"function": staticmethod(function), "invocation": threading.Lock()}
        handler = type("ApiRequestHandler", (_Handler,), attributes)
        try:
            self._server = ThreadingHTTPServer((HOST, port), handler)
        except OSError as error:
            raise UnavailableError(
                f"port {port} on {HOST} is busy ({error.strerror}); use --web-port to pick another"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="precis-web", daemon=True)

    @property
    def url(self) -> str:
        """The viewer's address (the port is the one the system gave when asked for 0)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> ApiServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
