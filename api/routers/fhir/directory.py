"""Practitioner, PractitionerRole, Organization (the directory) and Patient."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from api.deps import Principal, Session
from api.routers.fhir.common import read_resource, respond
from api.routers.fhir.security import fhir_access
from integrations.fhir.handlers import directory, parse_if_match
from integrations.fhir.resolver import Resolver

router = APIRouter(tags=["fhir"])
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _routes(resource_type: str) -> None:
    writer = Annotated[Principal, Depends(fhir_access(resource_type, "write"))]
    reader = Annotated[Principal, Depends(fhir_access(resource_type, "read"))]

    async def create(request: Request, session: Session, principal: writer) -> JSONResponse:
        resource, model = await read_resource(request, resource_type)
        return respond(
            await directory.create(
                session, resource_type=resource_type, resource=resource, model=model, resolver=Resolver(session)
            )
        )

    async def read(resource_id: str, session: Session, principal: reader) -> JSONResponse:
        return respond(await directory.read(session, resource_type=resource_type, resource_id=resource_id))

    async def update(
        resource_id: str, request: Request, session: Session, principal: writer, if_match: IfMatch = None
    ) -> JSONResponse:
        resource, model = await read_resource(request, resource_type)
        return respond(
            await directory.update(
                session,
                resource_type=resource_type,
                resource_id=resource_id,
                resource=resource,
                model=model,
                resolver=Resolver(session),
                expected_version=parse_if_match(if_match),
            )
        )

    name = resource_type.lower()
    router.add_api_route(f"/{resource_type}", create, methods=["POST"], name=f"create_{name}")
    router.add_api_route(f"/{resource_type}/{{resource_id}}", read, methods=["GET"], name=f"read_{name}")
    router.add_api_route(f"/{resource_type}/{{resource_id}}", update, methods=["PUT"], name=f"update_{name}")


for _type in ("Practitioner", "PractitionerRole", "Organization", "Patient"):
    _routes(_type)
