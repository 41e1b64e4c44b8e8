"""Request and response plumbing shared by the FHIR routes."""

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from integrations.fhir.handlers import Result
from integrations.fhir.outcomes import FHIR_JSON
from integrations.fhir.parsing import check_media_type, parse_json, validate
from integrations.fhir.references import request_base


async def use_request_base(request: Request) -> None:
    """Links and Locations point at the base URL the caller used."""
    request_base.set(f"{str(request.base_url).rstrip('/')}/fhir/R4")


async def read_resource(request: Request, expected: str | None = None) -> tuple[dict[str, Any], Any]:
    """(the resource as received, its validated R4 model)."""
    check_media_type(request.headers.get("content-type"))
    resource = parse_json(await request.body())
    return resource, validate(resource, expected=expected)


def respond(result: Result) -> JSONResponse:
    headers = {}
    if result.resource.get("resourceType") != "Bundle" and result.resource.get("id"):
        headers["Location"] = f"{request_base.get() or ''}/{result.location}"
        if result.etag:
            headers["ETag"] = result.etag
        if last := (result.resource.get("meta") or {}).get("lastUpdated"):
            headers["Last-Modified"] = last
    return JSONResponse(result.resource, status_code=result.status, media_type=FHIR_JSON, headers=headers)
