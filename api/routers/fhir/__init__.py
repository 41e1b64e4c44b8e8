"""The FHIR R4 facade at /fhir/R4 (outside the /v1 OpenAPI contract: its contract is /metadata)."""

from fastapi import Depends

from api.prefixed import PrefixedRouter
from api.routers.fhir import bundles, clinical, directory, metadata
from api.routers.fhir.common import use_request_base
from integrations.fhir.capability import RESOURCES
from integrations.fhir.outcomes import FhirError

# Matched before the /v1 routers (api/main.py); other paths pass it with one comparison.
router = PrefixedRouter(prefix="/fhir/R4", include_in_schema=False, dependencies=[Depends(use_request_base)])
for module in (metadata, clinical, directory):
    router.include_router(module.router)
router.add_api_route("", bundles.process_bundle, methods=["POST"], name="process_bundle")


async def unsupported(resource_type: str) -> None:
    """Anything else under /fhir/R4: a type we do not serve is 404, a method we do not offer 405 (FHIR http)."""
    if resource_type in RESOURCES:
        raise FhirError(
            405, f"This interaction is not supported for {resource_type} (see /fhir/R4/metadata).", code="not-supported"
        )
    raise FhirError(
        404,
        f"Resource type {resource_type} is not supported by this server (see /fhir/R4/metadata).",
        code="not-supported",
    )


for _path in ("/{resource_type}", "/{resource_type}/{rest:path}"):
    router.add_api_route(_path, unsupported, methods=["GET", "POST", "PUT", "PATCH", "DELETE"], name="unsupported")
