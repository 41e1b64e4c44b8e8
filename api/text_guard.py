"""Refuses text PostgreSQL cannot store, wherever a client can put it, before any route runs.

A NUL byte (PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate (not encodable as
UTF-8) in the path, the query, a header, a JSON body at any depth (FHIR resources included) or a
form body is answered with a 4xx naming the field: problem+json on /v1, an OperationOutcome on
/fhir/R4. Checked at the edge (this middleware, plus one app-wide dependency for path parameters,
whose names are known only once a route matched), so a route added later is covered without
remembering anything, whatever its models or parameters look like.
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.shared.errors import DomainError
from integrations.fhir.outcomes import FhirError, issue

ROUTED_PREFIXES = ("/v1/", "/fhir/")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPE = "application/x-www-form-urlencoded"


def unstorable(value: str) -> str | None:
    """Why this text cannot be stored, in plain words, or None."""
    match = UNSTORABLE.search(value)
    if match is None:
        return None
    return "contains a NUL byte" if match.group() == "\x00" else "contains a lone surrogate (not valid Unicode text)"


def first_bad_json(data: Any) -> tuple[tuple[str | int, ...], str] | None:
    """(location, reason) of an unstorable key or string in parsed JSON, or None; iterative, so depth is no risk."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if reason := unstorable(value):
                return loc, reason
        elif isinstance(value, dict):
            for key, item in value.items():
                if reason := unstorable(key):
                    return (*loc, _printable(key)), f"has a key that {reason}"
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, i), item) for i, item in enumerate(value))
    return None


def _printable(text: str) -> str:
    return UNSTORABLE.sub("?", text)


def _is_text_body(media_type: str) -> bool:
    # As FastAPI reads bodies: no Content-Type is taken as JSON, and so is any application/*json*.
    return media_type in ("", FORM_TYPE) or (media_type.startswith("application/") and "json" in media_type)


def _media_type(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


class TextGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = unstorable_in_request_line(scope)
        media_type = _media_type(scope)
        if found is None and scope["method"] not in ("GET", "HEAD", "OPTIONS") and _is_text_body(media_type):
            body, receive = await _buffer(receive)
            found = _check_body(body, media_type)
        if found is None:
            await self.app(scope, receive, send)
            return
        field, reason = found
        await _refuse(scope, send, field, reason)


def unstorable_in_request_line(scope: Scope) -> tuple[str, str] | None:
    """(field, reason) for the first unstorable text in the path, the query or a header."""
    return _check_path(scope) or _check_query(scope) or _check_headers(scope)


def _check_path(scope: Scope) -> tuple[str, str] | None:
    # Routed paths are checked by `refuse_unstorable_path`, which knows the parameter's name;
    # anything else (the web app's files) is refused here, before a file lookup trips on it.
    if (reason := unstorable(scope["path"])) is None:
        return None
    if not scope["path"].startswith(ROUTED_PREFIXES):
        return "path", reason
    # A parameter with a convertor (`{rule_id:uuid}`) never matches such text, so its route would
    # answer 404: name the parameter from the route's template here instead.
    if scope["path"].startswith("/v1/") and (name := _template_parameter(scope)):
        return f"path.{name}", reason
    return None


def _template_parameter(scope: Scope) -> str | None:
    segments = scope["path"].split("/")
    openapi = getattr(scope.get("app"), "openapi", None)
    templates = openapi().get("paths", {}) if openapi else {}  # built once, then cached
    for template in templates:
        parts = template.split("/")
        if len(parts) != len(segments):
            continue
        name, same_shape = None, True
        for part, segment in zip(parts, segments, strict=False):
            if part.startswith("{") and part.endswith("}"):
                if unstorable(segment):
                    name = part[1:-1].split(":")[0]
            elif part != segment:
                same_shape = False
                break
        if same_shape and name:
            return name
    return None


class UnstorableText(DomainError):
    status = 422
    title = "Invalid request"
    slug = "validation"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}; send text without it.", errors=[{"field": field, "message": reason}])


async def refuse_unstorable_path(request: Request) -> None:
    """An app-wide dependency, first of all: a path parameter named in the refusal, before any route code runs."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and (reason := unstorable(value)):
            if request.url.path.startswith("/fhir/"):
                where = "id" if name == "resource_id" else name
                raise FhirError(400, f"The {where} in the URL {reason}; send text without it.", expression=where)
            raise UnstorableText(f"path.{name}", reason)


def _check_query(scope: Scope) -> tuple[str, str] | None:
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    seen: dict[str, int] = {}
    for key, value in pairs:
        index = seen[key] = seen.get(key, -1) + 1
        if reason := unstorable(key):
            return f"query.{_printable(key)}", f"has a name that {reason}"
        if reason := unstorable(value):
            # A repeated parameter (a list) is named with the item's index, as FastAPI names it.
            repeated = sum(1 for k, _ in pairs if k == key) > 1
            return (f"query.{key}.{index}" if repeated else f"query.{key}"), reason
    return None


def _check_headers(scope: Scope) -> tuple[str, str] | None:
    # Header bytes are read as latin-1, so only NUL can arrive here; it is never valid in a header (RFC 9110).
    for key, value in scope["headers"]:
        if b"\x00" in key or b"\x00" in value:
            name = key.replace(b"\x00", b"?").decode("latin-1").title()
            return f"header.{name}", "contains a NUL byte"
    return None


def _check_body(body: bytes, media_type: str) -> tuple[str, str] | None:
    if media_type == FORM_TYPE:
        text = body.decode("latin-1")
        for key, value in parse_qsl(text, keep_blank_values=True):
            if reason := unstorable(key):
                return f"body.{_printable(key)}", f"has a name that {reason}"
            if reason := unstorable(value):
                return f"body.{key}", reason
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # Not JSON: the route itself answers that, in its own words.
    found = first_bad_json(data)
    if found is None:
        return None
    loc, reason = found
    if isinstance(data, dict) and isinstance(data.get("resourceType"), str):
        return _fhir_path(data["resourceType"], loc), reason
    return ".".join(("body", *(str(part) for part in loc))), reason


def _fhir_path(root: str, loc: tuple[str | int, ...]) -> str:
    path = _printable(root)
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Reads the whole body (the size limit outside this middleware still applies) and replays it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _refuse(scope: Scope, send: Send, field: str, reason: str) -> None:
    detail = f"{field} {reason}; send text without it."
    if scope["path"].startswith("/fhir/"):
        fhir_field = field.removeprefix("query.")  # search parameters by their own names
        outcome = {"resourceType": "OperationOutcome", "issue": [issue("invalid", detail, [fhir_field])]}
        await _send_json(send, 400, "application/fhir+json", outcome)
        return
    problem = {
        "type": "https://refloop.dev/problems/validation",
        "title": "Invalid request",
        "status": 422,
        "detail": detail,
        "instance": _printable(scope["path"]),
        "errors": [{"field": field, "message": reason}],
    }
    await _send_json(send, 422, "application/problem+json", problem)


async def _send_json(send: Send, status: int, media_type: str, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
