"""The one place the FHIR facade decides who may do what: SMART system scopes for EHR clients,
roles for staff (api/auth/fhir_scopes.py). The app-wide guard has authenticated the caller."""

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import Request

from api.auth.fhir_scopes import require_fhir_scope
from api.deps import Principal

Access = Literal["read", "write"]


def fhir_access(resource_type: str, access: Access) -> Callable[[Request], Awaitable[Principal]]:
    return require_fhir_scope(resource_type, access)


async def check_entries(request: Request, principal: Principal, wanted: set[tuple[str, Access]]) -> None:
    """A Bundle needs the rights of every entry it carries."""
    for resource_type, access in sorted(wanted):
        await require_fhir_scope(resource_type, access)(request)
