"""Making a link: a random token in the message, its sha256 in the table.

A stored hash rather than a token signed with the app's key: each link is a row anyway (it must
remember being used to cancel, and which channel carried it), so the row can be the proof; a
database leak yields no working link; rotating `SECURITY_SECRET_KEY` kills no link in flight; and
a link is withdrawn by its row, with no signature that stays valid elsewhere.
"""

import hashlib
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.patient_links.models import PatientLink
from domain.referrals.models import Appointment
from domain.shared.settings import get_settings

PATH = "/a/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def url(token: str) -> str:
    return get_settings().web_app_url.rstrip("/") + PATH + token


def add(
    session: AsyncSession, *, token: str, appointment: Appointment, channel: str, kind: str, message_id: uuid.UUID
) -> PatientLink:
    """The row for a token a message carries; it works until the appointment starts."""
    link = PatientLink(
        appointment_id=appointment.id,
        referral_id=appointment.referral_id,
        token_hash=token_hash(token),
        channel=channel,
        kind=kind,
        message_id=message_id,
        expires_at=appointment.start,
    )
    session.add(link)
    return link
