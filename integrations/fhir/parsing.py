"""From request bytes to a validated R4 resource, or a 400 OperationOutcome naming what is wrong.

Validation happens once, here; callers keep the parsed dict as the original and
read fields from the model, so nothing is re-serialised on the hot path.
"""

import json
import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from integrations.fhir.outcomes import FhirError, operation_outcome, validation_issues

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
ACCEPTED_MEDIA_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")


class InvalidResource(FhirError):
    """Not valid R4: several issues, one per failing element."""

    def __init__(self, issues: list[dict[str, Any]]) -> None:
        super().__init__(400, "; ".join(i["diagnostics"] for i in issues[:5]))
        self._issues = issues

    def issues(self) -> list[dict[str, Any]]:
        return self._issues


def check_media_type(content_type: str | None) -> None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise FhirError(
            415,
            f"Send FHIR resources as application/fhir+json (got {media_type or 'no Content-Type'}).",
            expression="header.Content-Type",
        )


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirError(400, f"The body is not JSON: {exc}", code="structure") from exc
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise FhirError(
            400,
            "The body is not a FHIR resource: resourceType is missing.",
            expression="resourceType",
            code="structure",
        )
    return data


def _not_a_resource(resource_type: object, root: str) -> FhirError:
    return FhirError(
        400, f"{resource_type} is not an R4 resource type.", expression=f"{root}.resourceType", code="structure"
    )


def validate(
    data: dict[str, Any], *, expected: str | tuple[str, ...] | None = None, path: str | None = None
) -> Resource:
    """Validate `data` with the fhir.resources R4B model for its resourceType."""
    resource_type = data.get("resourceType")
    root = path or str(resource_type)
    allowed = (expected,) if isinstance(expected, str) else expected
    if allowed and resource_type not in allowed:
        raise FhirError(
            400,
            f"Expected {' or '.join(allowed)} here, got {resource_type}.",
            expression=f"{path}.resourceType" if path else "resourceType",
            code="structure",
        )
    try:
        model = get_fhir_model_class(str(resource_type))
    except (KeyError, ValueError) as exc:
        raise _not_a_resource(resource_type, root) from exc
    if not issubclass(model, Resource):  # a data type's name (HumanName) also finds a model
        raise _not_a_resource(resource_type, root)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidResource(validation_issues(exc, root)) from exc
    except (TypeError, KeyError, AttributeError) as exc:
        # fhir.resources trips over some shapes before pydantic can report them (a contained
        # resource whose resourceType is null or a number): still the client's mistake, not ours.
        raise FhirError(
            400,
            f"{root} is not valid R4: a nested resource or element has the wrong shape.",
            expression=root,
            code="structure",
        ) from exc


def check_id(resource_id: str, *, expression: str = "id") -> str:
    if not ID_PATTERN.match(resource_id):
        raise FhirError(400, f"'{resource_id}' is not a valid FHIR id.", expression=expression)
    return resource_id


def outcome_of(exc: FhirError) -> dict[str, Any]:
    return operation_outcome(exc.issues())
