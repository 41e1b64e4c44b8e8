"""Appointment <-> appointment of a referral."""

from typing import Any

from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from domain.referrals.enums import AppointmentStatus
from domain.referrals.schemas import AppointmentCreate, AppointmentUpdate
from integrations.fhir.mappers.common import instant
from integrations.fhir.outcomes import Unprocessable

# FHIR statuses with a meaning in our lifecycle; the rest are refused rather than guessed.
STATUS_FROM_FHIR = {
    "booked": AppointmentStatus.booked,
    "arrived": AppointmentStatus.arrived,
    "checked-in": AppointmentStatus.arrived,
    "fulfilled": AppointmentStatus.fulfilled,
    "cancelled": AppointmentStatus.cancelled,
    "noshow": AppointmentStatus.noshow,
}


def appointment_status(appointment: FhirAppointment) -> AppointmentStatus:
    status = STATUS_FROM_FHIR.get(appointment.status or "")
    if status is None:
        raise Unprocessable(
            f"An Appointment that is {appointment.status} does not change a referral; send it once booked "
            f"(accepted: {', '.join(sorted(STATUS_FROM_FHIR))}).",
            expression="Appointment.status",
            code="business-rule",
        )
    return status


def _times(appointment: FhirAppointment) -> dict[str, Any]:
    if appointment.start is None:
        raise Unprocessable("A booked Appointment needs its start.", expression="Appointment.start", code="required")
    if appointment.end is not None and appointment.end <= appointment.start:
        raise Unprocessable("Appointment.end must be after its start.", expression="Appointment.end")
    return {"start": appointment.start, "end": appointment.end}


def _location(appointment: FhirAppointment) -> str | None:
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is not None and (actor.type == "Location" or (actor.reference or "").startswith("Location/")):
            return (actor.display or actor.reference or "")[:200] or None
    return None


def appointment_to_create(appointment: FhirAppointment, *, referral_id: Any) -> AppointmentCreate:
    return AppointmentCreate(referral_id=referral_id, location=_location(appointment), **_times(appointment))


def appointment_to_update(appointment: FhirAppointment) -> AppointmentUpdate:
    status = appointment_status(appointment)
    values: dict[str, Any] = {"status": status, **_times(appointment)}
    if status is AppointmentStatus.cancelled and appointment.cancelationReason is not None:
        reason = appointment.cancelationReason.text or next(
            (c.display or c.code for c in appointment.cancelationReason.coding or []), None
        )
        values["cancel_reason"] = reason[:200] if reason else None
    return AppointmentUpdate(**values)


def appointment_to_fhir(appointment: Any, original: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = (
        dict(original)
        if original
        else {"participant": [{"actor": {"display": appointment.location or "Refloop"}, "status": "accepted"}]}
    )
    out.update(
        {
            "resourceType": "Appointment",
            "id": str(appointment.id),
            "meta": {
                **{k: v for k, v in (out.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")},
                "versionId": str(appointment.version),
                "lastUpdated": instant(appointment.updated_at),
            },
            "status": str(appointment.status),
            "start": instant(appointment.start),
            "basedOn": [{"reference": f"ServiceRequest/{appointment.referral_id}"}],
        }
    )
    if appointment.end is not None:
        out["end"] = instant(appointment.end)
    else:
        out.pop("end", None)
    if appointment.cancel_reason:
        out["cancelationReason"] = {"text": appointment.cancel_reason}
    return out
