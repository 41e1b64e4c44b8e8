"""Discovery for EHRs: our SMART configuration (where and how to get a token) and the public key that
signs our own assertions when we push to them."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from domain.identity.smart import ALGORITHMS
from domain.shared.outbox import DeliveryRefused
from domain.shared.settings import get_settings
from integrations.fhir import push_auth

router = APIRouter(tags=["smart"], include_in_schema=False)

SCOPES = [
    "system/*.read",
    "system/*.write",
    "system/ServiceRequest.write",
    "system/ServiceRequest.read",
    "system/Task.read",
    "system/Task.write",
    "system/Appointment.read",
    "system/Appointment.write",
    "system/Practitioner.write",
    "system/Organization.write",
    "system/Patient.write",
]


def smart_configuration_body() -> dict:
    # SMART App Launch 2.x "well-known" document, for the backend-services (client credentials) flow only.
    return {
        "token_endpoint": get_settings().fhir.token_url,
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
        "scopes_supported": SCOPES,
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
    }


@router.get("/.well-known/smart-configuration")
async def smart_configuration() -> JSONResponse:
    return JSONResponse(smart_configuration_body(), headers={"Cache-Control": "public, max-age=3600"})


@router.get("/.well-known/jwks.json")
async def jwks() -> JSONResponse:
    """The public key of our outbound FHIR pushes: register this URL (or its content) at the EHR."""
    try:
        keys = push_auth.public_jwks()
    except DeliveryRefused as exc:  # production without a configured key
        return JSONResponse(
            {"type": "about:blank", "title": "No signing key", "status": 404, "detail": str(exc)},
            status_code=404,
            media_type="application/problem+json",
        )
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=3600"})
