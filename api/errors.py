"""Every error leaves as RFC 9457 problem+json; nothing internal (traces, SQL) leaks out."""

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.plain_errors import plain_message
from domain.identity.limits import REDIS_DOWN
from domain.shared.db import database_unavailable
from domain.shared.errors import DomainError
from integrations.fhir.outcomes import outcome_response

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://refloop.dev/problems/"
RETRY_AFTER_SECONDS = 1
log = structlog.get_logger()


class FieldError(BaseModel):
    field: str
    message: str


class RowProblem(BaseModel):
    """One problem in an uploaded file: line (the header is 1), column when known, what is wrong."""

    row: int
    column: str | None = None
    problem: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    allowed: list[str] | None = None
    row_errors: list[RowProblem] | None = None


def problem_response(
    request: Request, *, status: int, title: str, slug: str, detail: str | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"Retry-After": str(extra["retry_after"])} if extra.get("retry_after") else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        errors.append({"field": field_path(loc), "message": plain_message({**error, "loc": loc})})
    return errors


_KEY_COLUMN = re.compile(r"Key \((?P<columns>[^)]+)\)=")


def integrity_problem(exc: IntegrityError) -> tuple[int, str, str, list[dict[str, str]]]:
    """A constraint the database enforced, told as the field the client sent."""
    cause = getattr(exc.orig, "__cause__", None) or exc.orig
    sqlstate = getattr(cause, "sqlstate", None)
    detail_text = getattr(cause, "detail", None) or ""
    match = _KEY_COLUMN.search(detail_text)
    column = match.group("columns").split(",")[-1].strip() if match else getattr(cause, "column_name", None)
    field = f"body.{column}" if column else "body"
    if sqlstate == "23505":
        return (
            409,
            "Already exists",
            f"Another record already has this {column or 'value'}.",
            [{"field": field, "message": "already in use"}],
        )
    if sqlstate == "23503":
        return (
            422,
            "Unknown reference",
            f"{column or 'A referenced record'} does not exist.",
            [{"field": field, "message": "no such record"}],
        )
    return 422, "Invalid input", "The request breaks a data rule.", [{"field": field, "message": "not accepted"}]


def allowed_methods(request: Request) -> list[str]:
    """Every method any route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each listed status documented as a Problem."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


# character_not_in_repertoire, untranslatable_character: text PostgreSQL cannot store (a NUL byte).
UNSTORABLE_TEXT = {"22021", "22P05"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            request, status=exc.status, title=exc.title, slug=exc.slug, detail=exc.detail, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = " ".join(e["message"] for e in errors[:5])
        return problem_response(
            request, status=422, title="Invalid request", slug="validation", detail=detail, errors=errors
        )

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        status, title, detail, errors = integrity_problem(exc)
        return problem_response(request, status=status, title=title, slug="constraint", detail=detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem_response(
            request,
            status=exc.status_code,
            title=str(exc.detail),
            slug=f"http-{exc.status_code}",
            detail=str(exc.detail),
        )
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL (or Redis, where it cannot be skipped) down, restarting or full: nothing was
        # committed, the same request will do later. Handled here rather than as an unexpected error,
        # so the connection stays open for the client's next request.
        if isinstance(exc, DBAPIError):
            cause = getattr(exc.orig, "__cause__", None) or exc.orig
            if getattr(cause, "sqlstate", None) in UNSTORABLE_TEXT:
                # PostgreSQL text cannot hold a NUL character; it is the sender's input, not our failure.
                return problem_response(
                    request,
                    status=422,
                    title="Invalid request",
                    slug="validation",
                    detail="Text fields must not contain NUL (\\u0000) characters.",
                )
        if not (database_unavailable(exc) or isinstance(exc, REDIS_DOWN)):
            return await unexpected(request, exc)
        log.warning("backing service unavailable", path=request.url.path, error=type(exc).__name__)
        return problem_response(
            request,
            status=503,
            title="Service unavailable",
            slug="unavailable",
            detail=(
                "A backing service cannot be reached just now; nothing was saved. Send the same request again shortly."
            ),
            retry_after=RETRY_AFTER_SECONDS,
        )

    for exc_class in (DBAPIError, PoolTimeout, OSError, *REDIS_DOWN):
        app.add_exception_handler(exc_class, unavailable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            request,
            status=500,
            title="Internal error",
            slug="internal",
            detail="Something went wrong on our side; it has been logged.",
        )

    # The FHIR facade answers every error as an OperationOutcome; integrations/fhir/outcomes.py renders it.
    for exc_class, handler in list(app.exception_handlers.items()):
        app.exception_handlers[exc_class] = _fhir_aware(handler)


def _fhir_aware(handler: Any) -> Any:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        if request.url.path.startswith("/fhir/"):
            return outcome_response(exc)
        return await handler(request, exc)

    return handle
