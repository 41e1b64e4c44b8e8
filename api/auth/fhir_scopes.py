"""What the FHIR facade's routes depend on: `principal = Depends(require_fhir_scope("ServiceRequest", "write"))`.

EHR clients need the SMART system scope; staff tokens need a role from the same
table the permission matrix uses (api.permissions.fhir_staff_roles). The app-wide
guard has already authenticated the caller; this is the per-route scope check.
"""

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import Request

from api.deps import Principal, current_principal
from api.permissions import fhir_staff_roles
from domain.identity import smart_scopes
from domain.identity.errors import Forbidden


def require_fhir_scope(
    resource_type: str, access: Literal["read", "write"]
) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal.kind == "ehr_client":
            if not smart_scopes.allows(principal.scopes, resource_type, access):
                raise Forbidden(f"This token lacks the SMART scope system/{resource_type}.{access}.")
        elif principal.kind != "user" or principal.role not in fhir_staff_roles(resource_type, access):
            raise Forbidden(f"{resource_type} {access} through FHIR is not open to this caller.")
        return principal

    dependency.__name__ = f"require_fhir_{resource_type}_{access}"
    return dependency
