"""Appointment: create/update move the referral (booked -> scheduled, fulfilled -> completed,
noshow/cancelled -> back to scheduling); read; search by based-on and status."""

import uuid
from typing import Any

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir.repository import FhirAppointmentRepository
from domain.referrals import appointments as booking
from domain.referrals.enums import AppointmentStatus
from domain.referrals.models import Appointment
from domain.referrals.repository import ReferralRepository
from domain.shared.errors import NotFound, PreconditionFailed
from integrations.fhir.handlers import Result, check_body_id, uuid_id
from integrations.fhir.handlers.search import check_params, count_of, cursor_of, searchset
from integrations.fhir.mappers.appointment import (
    STATUS_FROM_FHIR,
    appointment_status,
    appointment_to_create,
    appointment_to_fhir,
    appointment_to_update,
)
from integrations.fhir.outcomes import Unprocessable
from integrations.fhir.references import parse_reference
from integrations.fhir.resolver import Resolver

SEARCH_PARAMS = {"based-on", "status"}
REFERRAL_TYPES = ("ServiceRequest", "Task")  # the Task is the referral's too (id = referral id)


async def referral_of(session: AsyncSession, resolver: Resolver, model: FhirAppointment, path: str) -> uuid.UUID:
    if not model.basedOn:
        raise Unprocessable(
            "An Appointment here books a referral: basedOn must name its ServiceRequest (or Task).",
            expression=f"{path}.basedOn",
            code="required",
        )
    for index, based_on in enumerate(model.basedOn):
        where = f"{path}.basedOn[{index}]"
        entry = resolver.entry(based_on.reference)
        if entry is not None and entry.location and entry.location[0] in REFERRAL_TYPES:
            return uuid.UUID(entry.location[1])
        ref = parse_reference(based_on.reference or "")
        if ref.resource_type not in REFERRAL_TYPES:
            continue
        # NHS BaRS writes type "serviceRequest": the reference itself is unambiguous, so a case slip is let pass.
        if based_on.type and based_on.type.rsplit("/", 1)[-1].lower() != ref.resource_type.lower():
            raise Unprocessable(
                f"basedOn type '{based_on.type}' contradicts its reference {based_on.reference}.",
                expression=f"{where}.type",
            )
        referral_id = ref.uuid()
        if referral_id is None or not ref.local or await ReferralRepository(session).get_or_none(referral_id) is None:
            raise Unprocessable(
                f"{based_on.reference} is not a referral known here; send the ServiceRequest first.",
                expression=where,
                code="not-found",
            )
        return referral_id
    raise Unprocessable("basedOn names no ServiceRequest or Task.", expression=f"{path}.basedOn", code="required")


def render(appointment: Appointment, original: dict[str, Any] | None) -> dict[str, Any]:
    return appointment_to_fhir(appointment, original)


async def create(
    session: AsyncSession,
    *,
    resource: dict[str, Any],
    model: FhirAppointment,
    actor: str,
    resolver: Resolver,
    client_id: uuid.UUID | None = None,
    path: str = "Appointment",
) -> Result:
    referral_id = await referral_of(session, resolver, model, path)
    status = appointment_status(model)
    if status is not AppointmentStatus.booked and status not in (
        AppointmentStatus.arrived,
        AppointmentStatus.fulfilled,
    ):
        raise Unprocessable(
            f"A new Appointment must be booked (this one is {model.status}).",
            expression=f"{path}.status",
            code="business-rule",
        )
    appointment = await booking.book_appointment(
        session,
        data=appointment_to_create(model, referral_id=referral_id),
        actor=actor,
        appointment_id=client_id,
    )
    if status is not AppointmentStatus.booked:
        appointment = await booking.update_appointment(
            session,
            appointment_id=appointment.id,
            data=appointment_to_update(model),
            expected_version=appointment.version,
            actor=actor,
        )
    await FhirAppointmentRepository(session).set_original(appointment.id, resource)
    return Result(201, render(appointment, resource))


async def update(
    session: AsyncSession,
    *,
    resource_id: str,
    resource: dict[str, Any],
    model: FhirAppointment,
    actor: str,
    resolver: Resolver,
    expected_version: int | None,
    path: str = "Appointment",
) -> Result:
    check_body_id(resource, resource_id, path)
    appointment_id = uuid_id("Appointment", resource_id, create=True)
    repo = FhirAppointmentRepository(session)
    current = await repo.with_fhir(appointment_id, for_update=True)
    if current is None:
        return await create(
            session, resource=resource, model=model, actor=actor, resolver=resolver, client_id=appointment_id, path=path
        )
    if expected_version is not None and current.version != expected_version:
        raise PreconditionFailed(f"Appointment/{resource_id} is at version {current.version}, not {expected_version}.")
    if await referral_of(session, resolver, model, path) != current.referral_id:
        raise Unprocessable("An Appointment cannot move to another referral.", expression=f"{path}.basedOn")
    if model.status not in STATUS_FROM_FHIR:
        appointment_status(model)  # raises, naming the status
    appointment = await booking.update_appointment(
        session,
        appointment_id=appointment_id,
        data=appointment_to_update(model),
        expected_version=current.version,
        actor=actor,
    )
    await repo.set_original(appointment_id, resource)
    return Result(200, render(appointment, resource))


async def read(session: AsyncSession, *, resource_id: str) -> Result:
    appointment = await FhirAppointmentRepository(session).with_fhir(uuid_id("Appointment", resource_id))
    if appointment is None:
        raise NotFound("Appointment", resource_id)
    return Result(200, render(appointment, appointment.fhir_resource))


async def search(session: AsyncSession, *, raw_params: list[tuple[str, str]]) -> Result:
    params = check_params(raw_params, SEARCH_PARAMS)
    count = count_of(params)
    referral_id: uuid.UUID | None = None
    empty = False
    for value in params.get("based-on", []):
        ref = parse_reference(value.strip())
        target = ref.uuid() if ref.resource_type in REFERRAL_TYPES else None
        empty = empty or target is None or (referral_id is not None and referral_id != target)
        referral_id = target
    statuses = [
        s for v in params.get("status", []) for item in v.split(",") if (s := STATUS_FROM_FHIR.get(item.strip()))
    ]
    if params.get("status") and not statuses:
        empty = True
    items, next_cursor = (
        ([], None)
        if empty
        else await FhirAppointmentRepository(session).search(
            referral_id=referral_id,
            statuses=[s.value for s in statuses] or None,
            limit=count,
            cursor=cursor_of(params),
        )
    )
    resources = [render(a, a.fhir_resource) for a in items]
    return Result(200, searchset("Appointment", resources, params=raw_params, next_cursor=next_cursor))
