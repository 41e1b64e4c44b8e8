import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.deps import CurrentPrincipal, IfMatch, Paging, Session, etag
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.referrals import appointments as service
from domain.referrals import models
from domain.referrals.enums import AppointmentStatus
from domain.referrals.repository import AppointmentRepository
from domain.referrals.schemas import Appointment, AppointmentCreate, AppointmentUpdate
from domain.shared.schemas import Page

router = PrefixedRouter(prefix="/appointments", tags=["appointments"])


@router.post(
    "",
    response_model=Appointment,
    status_code=status.HTTP_201_CREATED,
    summary="Book an appointment (moves the referral to scheduled)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_appointment(
    body: AppointmentCreate,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Appointment:
    appointment = await service.book_appointment(session, data=body, actor=principal.actor)
    response.headers["Location"] = f"/v1/appointments/{appointment.id}"
    response.headers["ETag"] = etag(appointment.version)
    return appointment


@router.get("", response_model=Page[Appointment], responses=problem_responses(401, 403, 422))
async def list_appointments(
    session: Session,
    principal: CurrentPrincipal,
    paging: Paging,
    referral_id: uuid.UUID | None = None,
    status_: Annotated[list[AppointmentStatus] | None, Query(alias="status")] = None,
) -> Page[Appointment]:
    items, next_cursor = await AppointmentRepository(session).find(
        referral_id=referral_id,
        status=None if status_ is None else list(status_),
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{appointment_id}", response_model=Appointment, responses=problem_responses(401, 403, 404))
async def get_appointment(
    appointment_id: uuid.UUID,
    session: Session,
    principal: CurrentPrincipal,
    response: Response,
) -> models.Appointment:
    appointment = await AppointmentRepository(session).get(appointment_id)
    response.headers["ETag"] = etag(appointment.version)
    return appointment


@router.patch(
    "/{appointment_id}",
    response_model=Appointment,
    summary="Change an appointment: fulfilled completes the referral, noshow or cancelled sends it back to scheduling",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentUpdate,
    session: Session,
    principal: CurrentPrincipal,
    expected_version: IfMatch,
    response: Response,
) -> models.Appointment:
    appointment = await service.update_appointment(
        session,
        appointment_id=appointment_id,
        data=body,
        expected_version=expected_version,
        actor=principal.actor,
    )
    response.headers["ETag"] = etag(appointment.version)
    return appointment
