"""Pushes to the EHR that sent a referral over FHIR: outbox rows written with the change they report.

integrations/fhir/client.py sends them (PUT of the referral's Task, of an Appointment, and the
loop-closure note). The EHR is the SMART client that created the referral, if it registered
a FHIR base URL. Kinds other than `loop_closure` are not outreach kinds, so no quiet hours or
caps apply; `loop_closure` is, so the worker closes the referral once the note is delivered.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir.repository import EhrClientLookup
from domain.identity.models import EhrClient
from domain.referrals.enums import ReferralStatus
from domain.referrals.models import Appointment, Referral
from domain.shared.outbox import add_message

CHANNEL = "fhir"
TASK_UPDATE = "fhir_task"
APPOINTMENT_UPDATE = "fhir_appointment"
LOOP_CLOSURE = "loop_closure"


async def _recipient(session: AsyncSession, referral: Referral) -> EhrClient | None:
    if referral.fhir_client is None:
        return None
    return await EhrClientLookup(session).pushable(referral.fhir_client)


async def on_referral_changed(session: AsyncSession, *, referral: Referral) -> None:
    ehr = await _recipient(session, referral)
    if ehr is None:
        return
    kind = LOOP_CLOSURE if referral.status == ReferralStatus.completed else TASK_UPDATE
    await add_message(
        session,
        channel=CHANNEL,
        kind=kind,
        recipient_type="ehr_client",
        recipient_id=ehr.id,
        referral_id=referral.id,
        idempotency_key=f"fhir:{kind}:{referral.id}:{referral.version}",
        payload={"referral_id": str(referral.id), "version": referral.version},
    )


async def on_appointment_changed(session: AsyncSession, *, referral: Referral, appointment: Appointment) -> None:
    ehr = await _recipient(session, referral)
    if ehr is None:
        return
    await add_message(
        session,
        channel=CHANNEL,
        kind=APPOINTMENT_UPDATE,
        recipient_type="ehr_client",
        recipient_id=ehr.id,
        referral_id=referral.id,
        idempotency_key=f"fhir:{APPOINTMENT_UPDATE}:{appointment.id}:{appointment.version}:{appointment.status}",
        payload={"referral_id": str(referral.id), "appointment_id": str(appointment.id)},
    )
