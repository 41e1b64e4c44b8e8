from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.routers.well_known import smart_configuration_body
from domain.shared.settings import get_settings
from integrations.fhir.capability import capability_statement
from integrations.fhir.outcomes import FHIR_JSON

router = APIRouter(tags=["fhir"])


@router.get("/metadata")
async def capabilities(request: Request) -> JSONResponse:
    settings = get_settings()
    base = f"{str(request.base_url).rstrip('/')}/fhir/R4"
    body = capability_statement(base=base, token_url=settings.fhir.token_url, software_version=request.app.version)
    return JSONResponse(body, media_type=FHIR_JSON)


@router.get("/.well-known/smart-configuration")
async def smart_configuration() -> JSONResponse:
    # SMART discovery is relative to the FHIR base URL; the same document as at the server root.
    return JSONResponse(smart_configuration_body(), headers={"Cache-Control": "public, max-age=3600"})
