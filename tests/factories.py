"""Small async factories: `await make_referral(session, status="accepted")`."""

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Referral
from domain.referrals.schemas import ReferralCreate

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

