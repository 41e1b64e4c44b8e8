"""Every FHIR error is an OperationOutcome; its HTTP status follows the issue (Medplum's rule).

`FhirError` is raised by the facade and the mappers; `outcome_response` renders it,
any domain error, and request validation errors, so the FHIR paths never answer
with problem+json.
"""

from typing import Any

import structlog
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.identity.limits import REDIS_DOWN
from domain.shared.db import database_unavailable
from domain.shared.errors import DomainError

FHIR_JSON = "application/fhir+json"
# The id of the request an OperationOutcome answers, the same as its X-Request-Id header (FHIR's own
# carrier for it, http.html#custom). An extension on the resource rather than text in
# `issue[].diagnostics`: the id belongs to the whole interaction, not to one issue; diagnostics is
# free text for a person, which a client would have to parse, and repeating the id in every issue
# would blur what each issue says. Extensions are FHIR's way to carry what the base resource has
# no element for, and a reader that does not know this one ignores it.
REQUEST_ID_EXTENSION = "https://refloop.dev/fhir/StructureDefinition/request-id"
log = structlog.get_logger()

# HTTP status -> OperationOutcome issue code (http://hl7.org/fhir/issue-type).
ISSUE_CODE_FOR_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    428: "required",
}


class FhirError(DomainError):
    """A refusal with the FHIRPath of what caused it, e.g. `ServiceRequest.subject`."""

    def __init__(
        self, status: int, diagnostics: str, *, expression: str | list[str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(diagnostics)
        self.status = status  # type: ignore[misc]
        self.diagnostics = diagnostics
        self.expression = [expression] if isinstance(expression, str) else list(expression or [])
        self.code = code or ISSUE_CODE_FOR_STATUS.get(status, "exception")

    def issues(self) -> list[dict[str, Any]]:
        return [issue(self.code, self.diagnostics, self.expression)]


class Unprocessable(FhirError):
    """A resource that is valid FHIR but cannot become what it asks for (422)."""

    def __init__(
        self, diagnostics: str, *, expression: str | list[str] | None = None, code: str = "processing"
    ) -> None:
        super().__init__(422, diagnostics, expression=expression, code=code)


def issue(code: str, diagnostics: str, expression: list[str] | None = None, severity: str = "error") -> dict[str, Any]:
    item: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    # R4 expressions are non-blank strings (a search parameter named "" is still a refusal, just unnamed).
    expression = [e for e in expression or [] if e.strip()]
    if expression:
        item["expression"] = expression
    return item


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def with_request_id(outcome: dict[str, Any], request_id: str) -> dict[str, Any]:
    extensions = [e for e in outcome.get("extension", []) if e.get("url") != REQUEST_ID_EXTENSION]
    extensions.append({"url": REQUEST_ID_EXTENSION, "valueString": request_id})
    return {**outcome, "extension": extensions}


def information(diagnostics: str) -> dict[str, Any]:
    return operation_outcome([issue("informational", diagnostics, severity="information")])


def fhir_path(root: str, loc: tuple[Any, ...] | list[Any]) -> str:
    """pydantic's loc ('basedOn', 0, 'reference') as FHIRPath: Root.basedOn[0].reference."""
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("__root__",):
            path += f".{part}"
    return path


def validation_issues(exc: ValidationError, root: str) -> list[dict[str, Any]]:
    issues = []
    for error in exc.errors()[:20]:
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        code = "structure" if error["type"] in ("extra_forbidden", "list_type", "dict_type", "model_type") else "value"
        if error["type"] == "missing":
            code = "required"
        path = fhir_path(root, loc)
        issues.append(issue(code, f"{path}: {error['msg']}", [path]))
    return issues


def _outcome_for(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    if isinstance(exc, FhirError):
        return exc.status, operation_outcome(exc.issues()), {}
    if isinstance(exc, DomainError):
        fields = [e["field"] for e in exc.extra.get("errors", []) if e.get("field")]
        code = ISSUE_CODE_FOR_STATUS.get(exc.status, "processing")
        return exc.status, operation_outcome([issue(code, exc.detail, fields or None)]), {}
    if isinstance(exc, RequestValidationError):
        issues = []
        for error in exc.errors():
            loc = [p for p in error["loc"] if p not in ("query", "path", "header", "body")]
            name = ".".join(str(p) for p in loc)
            issues.append(issue("invalid", f"{name}: {error['msg']}", [name] if name else None))
        return 400, operation_outcome(issues), {}
    if isinstance(exc, StarletteHTTPException):
        code = ISSUE_CODE_FOR_STATUS.get(exc.status_code, "exception")
        return exc.status_code, operation_outcome([issue(code, str(exc.detail))]), dict(exc.headers or {})
    if database_unavailable(exc) or isinstance(exc, REDIS_DOWN):
        log.warning("database busy on the FHIR facade", error=type(exc).__name__)
        outcome = operation_outcome([issue("transient", "The service is busy; send the same request again shortly.")])
        return 503, outcome, {"Retry-After": "1"}
    if isinstance(exc, IntegrityError):
        return 409, operation_outcome([issue("conflict", "The request conflicts with data already stored.")]), {}
    log.error("unhandled error on the FHIR facade", error=type(exc).__name__, exc_info=exc)
    return 500, operation_outcome([issue("exception", "Something went wrong on our side; it has been logged.")]), {}


def outcome_response(exc: Exception) -> JSONResponse:
    status, body, headers = _outcome_for(exc)
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers or None)
