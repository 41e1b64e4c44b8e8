"""POST /fhir/R4: transaction and batch Bundles."""

from fastapi import Request
from fastapi.responses import JSONResponse

from api.deps import Session, current_principal
from api.routers.fhir.common import respond
from api.routers.fhir.security import Access, check_entries
from integrations.fhir.handlers import bundles
from integrations.fhir.parsing import check_media_type, parse_json


async def process_bundle(request: Request, session: Session) -> JSONResponse:
    check_media_type(request.headers.get("content-type"))
    bundle = parse_json(await request.body())
    principal = await current_principal(request)
    wanted: set[tuple[str, Access]] = {
        ((e.get("resource") or {}).get("resourceType", "Bundle"), "write")
        for e in bundle.get("entry") or []
        if isinstance(e, dict)
    }
    await check_entries(request, principal, wanted)
    fhir_client = principal.credential_id if principal.kind == "ehr_client" else None
    return respond(await bundles.process(session, bundle=bundle, actor=principal.actor, fhir_client=fhir_client))
