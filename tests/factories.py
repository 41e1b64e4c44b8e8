"""Small async factories: `await make_referral(session, status="accepted")`."""

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers import service as directory
from domain.providers.models import Organization, Provider
from domain.providers.schemas import OrganizationCreate, ProviderCreate, npi_check_digit_ok
from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Referral
from domain.referrals.schemas import ReferralCreate
from domain.shared.clock import utcnow
from domain.shared.db import unit_of_work
from domain.shared.outbox import OutboxMessage, add_message
from domain.tasks import service as tasks
from domain.tasks.models import Task
from domain.tasks.schemas import TaskCreate

_counter = itertools.count(1)

# The shortest path from received to each status, with the reasons the moves need.
PATH_TO: dict[S, list[tuple[S, str | None]]] = {
    S.received: [],
    S.needs_info: [(S.needs_info, None)],
    S.accepted: [(S.accepted, None)],
    S.scheduled: [(S.accepted, None), (S.scheduled, None)],
    S.completed: [(S.accepted, None), (S.scheduled, None), (S.completed, None)],
    S.closed: [(S.accepted, None), (S.scheduled, None), (S.completed, None), (S.closed, None)],
    S.declined: [(S.declined, "misdirected")],
    S.cancelled: [(S.accepted, None), (S.cancelled, "patient_unreachable")],
}


def referral_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    payload: dict[str, Any] = {
        "patient": {
            "given_name": "Maria",
            "family_name": f"Lopez{n}",
            "birth_date": "1968-04-12",
            "sex": "female",
            "phone": "+1 555 010 2000",
            "mrn": f"MRN{n:06d}",
        },
        "service_line": "cardiology",
        "urgency": "routine",
        "reason": "Exertional chest pain, abnormal stress ECG",
        "icd10_codes": ["R07.9"],
        "referral_source": "physician",
        "payer_class": "commercial",
        "payer_name": "Blue Cross",
    }
    payload.update(overrides)
    return payload


async def make_referral(session: AsyncSession, *, status: S | str = S.received, **overrides: Any) -> Referral:
    data = ReferralCreate.model_validate(referral_payload(**overrides))
    referral = (await referrals.create_referral(session, data=data, actor="test")).referral
    for to, reason in PATH_TO[S(status)]:
        referral = await referrals.transition(
            session, referral_id=referral.id, to=to, reason=reason, note=None, actor="test"
        )
    return referral


def valid_npi(seed: int | None = None) -> str:
    """A 10-digit NPI with a correct check digit (Luhn over the 80840 prefix)."""
    base = f"1{(seed if seed is not None else next(_counter)) % 10**8:08d}"
    return next(base + str(d) for d in range(10) if npi_check_digit_ok(base + str(d)))


async def make_organization(session: AsyncSession, **overrides: Any) -> Organization:
    payload: dict[str, Any] = {"name": f"Riverside Family Practice {next(_counter)}", "kind": "practice"}
    payload.update(overrides)
    return await directory.create_organization(session, data=OrganizationCreate.model_validate(payload))


async def make_provider(session: AsyncSession, **overrides: Any) -> Provider:
    payload: dict[str, Any] = {
        "given_name": "Alice",
        "family_name": f"Nguyen{next(_counter)}",
        "credentials": ["MD"],
        "specialties": [{"code": "207Q00000X", "display": "Family Medicine", "primary": True}],
    }
    payload.update(overrides)
    return await directory.create_provider(session, data=ProviderCreate.model_validate(payload))


async def make_task(session: AsyncSession, **overrides: Any) -> Task:
    payload: dict[str, Any] = {
        "type": "call_patient",
        "title": f"Call the patient {next(_counter)}",
        "due_at": utcnow() + timedelta(days=1),
    }
    payload.update(overrides)
    return await tasks.create_task(session, data=TaskCreate.model_validate(payload), actor="test")


async def queue_thank_you(address: str, *, key: str) -> OutboxMessage:
    """A thank-you e-mail to a bare address, committed in its own transaction."""
    async with unit_of_work() as session:
        message = await add_message(
            session,
            channel="email",
            kind="thank_you",
            recipient_type="address",
            recipient_address=address,
            idempotency_key=key,
        )
    assert message is not None  # each key is new
    return message
