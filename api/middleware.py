"""Pure-ASGI middleware: request ids, access metrics, body size limit, security headers.

Written against ASGI directly rather than BaseHTTPMiddleware, which costs a task
and a stream copy per request on the hot path.
"""

import json
import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import LATENCY, REQUESTS
from integrations import tracing
from integrations.fhir.outcomes import with_request_id

log = structlog.get_logger("refloop.access")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"cache-control", b"no-store"),
]
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")
# A caller's (or load balancer's) id is kept when it is a short printable token: UUIDs, hex, base64,
# AWS-style `Root=1-...`. Anything else (spaces, quotes, control characters, over 128) is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:;/+=@-]{1,128}")
API_PREFIXES = ("/v1", "/fhir", "/healthz", "/readyz", "/metrics")


class RequestContextMiddleware:
    """Outermost (api.main.RefloopApp wraps even Starlette's error middleware with it), so every
    response, a 500 included, carries X-Request-Id, and every error body names the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        # A caller's id is kept only when it is a plain token: it goes into logs, headers and the audit log.
        request_id = given if given and REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if tracing.enabled():  # a log line leads to its trace
            structlog.contextvars.bind_contextvars(trace_id=tracing.current_trace_id())
        started = time.perf_counter()
        status = 500
        is_api = scope["path"].startswith(API_PREFIXES)
        held: Message | None = None  # an error's response start, kept until its body is stamped
        chunks: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal status, held
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS if is_api else SECURITY_HEADERS[:4])
                if tracing.enabled():  # named now: the server span ends with the response's last byte
                    tracing.name_server_span(scope["method"], route_template(scope))
                if status >= 400 and _error_media_type(headers):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                stamped = stamp_error_body(body, _error_media_type(held["headers"]), request_id)
                if stamped is not body:  # (a HEAD's empty body keeps the length it declared)
                    held["headers"] = [(k, v) for k, v in held["headers"] if k != b"content-length"]
                    held["headers"].append((b"content-length", str(len(stamped)).encode()))
                start, held = held, None
                await send(start)
                await send({"type": "http.response.body", "body": stamped})
                return
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            template = route_template(scope)
            elapsed = time.perf_counter() - started
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(elapsed)
            # The route template, never the concrete path: ids in paths are not for logs.
            log.info("request", method=scope["method"], route=template, status=status, ms=round(elapsed * 1000, 1))


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413 before the app reads them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths (regular expressions) allowed a larger body.
        self.larger = [(re.compile(pattern), limit) for pattern, limit in (larger or {}).items()]

    def limit_for(self, path: str) -> int:
        return next((limit for pattern, limit in self.larger if pattern.match(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            await _too_large(send, max_bytes)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large(send, max_bytes)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        '{"type":"https://refloop.dev/problems/body-too-large","title":"Request body too large",'
        f'"status":413,"detail":"The request body is larger than {limit} bytes."}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


ERROR_MEDIA_TYPES = (b"application/problem+json", b"application/fhir+json")


def _error_media_type(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    for key, value in headers:
        if key == b"content-type":
            return next((media for media in ERROR_MEDIA_TYPES if value.startswith(media)), None)
    return None


def stamp_error_body(body: bytes, media_type: bytes | None, request_id: str) -> bytes:
    """The request id inside an error body, whoever wrote it (handlers, guards, middleware): problem+json
    gets the extension member `request_id` (RFC 9457 section 3.2), an OperationOutcome the
    request-id extension (integrations/fhir/outcomes.py says why). Other bodies pass unchanged."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict):
        return body
    if media_type == b"application/problem+json":
        document.setdefault("request_id", request_id)
    elif document.get("resourceType") == "OperationOutcome":
        document = with_request_id(document, request_id)
    else:
        return body
    # ASCII escapes: a refused lone surrogate quoted back in a detail must survive the round trip.
    return json.dumps(document, separators=(",", ":")).encode()


def route_template(scope: Scope) -> str:
    """The path with its parameters named (`/v1/referrals/{referral_id}`): bounded label sets, no ids."""
    if "route" not in scope:
        return "unmatched"
    by_value = {str(value): name for name, value in scope.get("path_params", {}).items()}
    return "/".join(f"{{{by_value[part]}}}" if part in by_value else part for part in scope["path"].split("/"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
