"""The one place the FHIR facade decides who may do what (swap point for SMART scopes)."""

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import Request

from api.deps import Principal, current_principal

Access = Literal["read", "write"]


def fhir_access(resource_type: str, access: Access) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        return await current_principal(request)

    dependency.__name__ = f"fhir_{resource_type}_{access}"
    return dependency


async def check_entries(request: Request, principal: Principal, wanted: set[tuple[str, Access]]) -> None:
    """A Bundle needs the rights of every entry it carries."""
    for resource_type, access in sorted(wanted):
        await fhir_access(resource_type, access)(request)
