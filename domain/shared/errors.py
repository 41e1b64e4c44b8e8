"""Domain errors. The API renders each as problem+json, the FHIR facade as an OperationOutcome."""

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    # Last segment of the problem `type` URI.
    slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(f"{entity} {entity_id} does not exist.")


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a business rule, with the field it concerns."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        errors = [{"field": field, "message": detail}] if field else []
        super().__init__(detail, errors=errors)
