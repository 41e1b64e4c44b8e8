"""ServiceRequest, Task and Appointment."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from api.deps import Principal, Session
from api.routers.fhir.common import read_resource, respond
from api.routers.fhir.security import fhir_access
from integrations.fhir.handlers import appointments, parse_if_match, service_requests, tasks
from integrations.fhir.resolver import Resolver

router = APIRouter(tags=["fhir"])
IfNoneExist = Annotated[str | None, Header(alias="If-None-Exist")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def sender(principal: Principal) -> str | None:
    """The SMART client id when an EHR calls: referrals it creates are pushed back to it."""
    return principal.credential_id if principal.kind == "ehr_client" else None


ServiceRequestReader = Annotated[Principal, Depends(fhir_access("ServiceRequest", "read"))]
ServiceRequestWriter = Annotated[Principal, Depends(fhir_access("ServiceRequest", "write"))]
TaskReader = Annotated[Principal, Depends(fhir_access("Task", "read"))]
TaskWriter = Annotated[Principal, Depends(fhir_access("Task", "write"))]
AppointmentReader = Annotated[Principal, Depends(fhir_access("Appointment", "read"))]
AppointmentWriter = Annotated[Principal, Depends(fhir_access("Appointment", "write"))]


@router.post("/ServiceRequest")
async def create_service_request(
    request: Request, session: Session, principal: ServiceRequestWriter, if_none_exist: IfNoneExist = None
) -> JSONResponse:
    resource, model = await read_resource(request, "ServiceRequest")
    return respond(
        await service_requests.create(
            session,
            resource=resource,
            model=model,
            actor=principal.actor,
            resolver=Resolver(session),
            if_none_exist=if_none_exist,
            fhir_client=sender(principal),
        )
    )


@router.get("/ServiceRequest")
async def search_service_requests(request: Request, session: Session, principal: ServiceRequestReader) -> JSONResponse:
    return respond(await service_requests.search(session, raw_params=request.query_params.multi_items()))


@router.get("/ServiceRequest/{resource_id}")
async def read_service_request(resource_id: str, session: Session, principal: ServiceRequestReader) -> JSONResponse:
    return respond(await service_requests.read(session, resource_id=resource_id))


@router.put("/ServiceRequest/{resource_id}")
async def update_service_request(
    resource_id: str,
    request: Request,
    session: Session,
    principal: ServiceRequestWriter,
    if_match: IfMatch = None,
) -> JSONResponse:
    resource, model = await read_resource(request, "ServiceRequest")
    return respond(
        await service_requests.update(
            session,
            resource_id=resource_id,
            resource=resource,
            model=model,
            actor=principal.actor,
            resolver=Resolver(session),
            expected_version=parse_if_match(if_match),
            fhir_client=sender(principal),
        )
    )


@router.post("/Task")
async def create_task(request: Request, session: Session, principal: TaskWriter) -> JSONResponse:
    _, model = await read_resource(request, "Task")
    return respond(await tasks.create(session, model=model, resolver=Resolver(session)))


@router.get("/Task")
async def search_tasks(request: Request, session: Session, principal: TaskReader) -> JSONResponse:
    return respond(await tasks.search(session, raw_params=request.query_params.multi_items()))


@router.get("/Task/{resource_id}")
async def read_task(resource_id: str, session: Session, principal: TaskReader) -> JSONResponse:
    return respond(await tasks.read(session, resource_id=resource_id))


@router.post("/Appointment")
async def create_appointment(request: Request, session: Session, principal: AppointmentWriter) -> JSONResponse:
    resource, model = await read_resource(request, "Appointment")
    return respond(
        await appointments.create(
            session, resource=resource, model=model, actor=principal.actor, resolver=Resolver(session)
        )
    )


@router.get("/Appointment")
async def search_appointments(request: Request, session: Session, principal: AppointmentReader) -> JSONResponse:
    return respond(await appointments.search(session, raw_params=request.query_params.multi_items()))


@router.get("/Appointment/{resource_id}")
async def read_appointment(resource_id: str, session: Session, principal: AppointmentReader) -> JSONResponse:
    return respond(await appointments.read(session, resource_id=resource_id))


@router.put("/Appointment/{resource_id}")
async def update_appointment(
    resource_id: str,
    request: Request,
    session: Session,
    principal: AppointmentWriter,
    if_match: IfMatch = None,
) -> JSONResponse:
    resource, model = await read_resource(request, "Appointment")
    return respond(
        await appointments.update(
            session,
            resource_id=resource_id,
            resource=resource,
            model=model,
            actor=principal.actor,
            resolver=Resolver(session),
            expected_version=parse_if_match(if_match),
        )
    )
