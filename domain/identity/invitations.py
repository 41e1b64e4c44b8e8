"""One-time links by e-mail: an invitation to a new account, or a new password for an existing one.

The token travels only in the e-mail (sealed in the outbox payload until sent); the table keeps
its sha256. A link works once, until it expires, unless revoked or replaced by a resend.
Opening it and choosing a password signs the person in.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import note
from domain.identity import service as users
from domain.identity.enums import Role
from domain.identity.errors import InvitationGone, InvitationUnknown
from domain.identity.models import Invitation, User
from domain.identity.passwords import hash_password
from domain.identity.repository import InvitationRepository, UserRepository
from domain.identity.schemas import InvitationCreate, TokenPair
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.outbox import SECRET_KEY, add_message, seal_secret
from domain.shared.settings import get_settings

KIND = {"invite": "invitation", "reset": "password_reset"}
MIN_DISTINCT_CHARACTERS = 6


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(invitation: Invitation) -> str:
    """A fresh token and a full lifetime; any earlier link of this invitation stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.expires_at = utcnow() + timedelta(hours=get_settings().security.invitation_hours)
    return token


async def _send_link(session: AsyncSession, invitation: Invitation) -> None:
    """A new link, and the e-mail carrying it."""
    token = _new_link(invitation)
    await session.flush()
    message = await add_message(
        session,
        channel="email",
        kind=KIND[invitation.purpose],
        recipient_type="user",
        recipient_id=invitation.user_id,
        recipient_address=invitation.email,
        payload={"invitation_id": str(invitation.id), SECRET_KEY: seal_secret(token)},
        idempotency_key=f"{KIND[invitation.purpose]}:{invitation.id}:{invitation.sends}",
    )
    invitation.message_id = message.id if message is not None else None


async def invite(
    session: AsyncSession, *, data: InvitationCreate, actor: str, organization_id: uuid.UUID | None = None
) -> Invitation:
    """`organization_id` only for a referrer: a portal account that acts for that practice alone."""
    if (data.role == Role.referrer) != (organization_id is not None):
        raise InvalidInput(
            "Portal (referrer) accounts are invited from their practice: POST /v1/organizations/{id}/portal-users.",
            field="body.role",
        )
    if await UserRepository(session).by_email(data.email) is not None:
        raise Conflict(
            f"A user with e-mail {data.email} already exists.",
            errors=[{"field": "body.email", "message": "already has an account"}],
        )
    repo = InvitationRepository(session)
    if await repo.pending_for(email=data.email, purpose="invite", at=utcnow()):
        raise Conflict(
            f"{data.email} already has a pending invitation: resend or revoke it instead.",
            errors=[{"field": "body.email", "message": "already invited"}],
        )
    invitation = repo.add(
        Invitation(
            purpose="invite",
            email=data.email,
            full_name=data.full_name,
            role=data.role,
            queue=data.queue,
            organization_id=organization_id,
            invited_by=actor,
            sends=1,
        )
    )
    await _send_link(session, invitation)
    note(session, "invitation.create", "invitation", invitation.id, role=data.role.value)
    return invitation


async def reset_link(session: AsyncSession, *, user_id: uuid.UUID, actor: str) -> Invitation:
    """An e-mailed link to choose a new password; earlier unused reset links for the account stop working."""
    user = await UserRepository(session).get(user_id)
    if not user.active:
        raise Conflict("This account is disabled: enable it before sending a reset link.")
    repo = InvitationRepository(session)
    now = utcnow()
    for earlier in await repo.pending_for(email=user.email, purpose="reset", at=now):
        earlier.revoked_at = now
    invitation = repo.add(
        Invitation(
            purpose="reset",
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            queue=user.queue,
            user_id=user.id,
            invited_by=actor,
            sends=1,
        )
    )
    await _send_link(session, invitation)
    note(session, "user.reset_link", "user", user.id, invitation=str(invitation.id))
    return invitation


async def list_invitations(
    session: AsyncSession, *, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Invitation], str | None]:
    return await InvitationRepository(session).find(status=status, at=utcnow(), limit=limit, cursor=cursor)


async def _pending(session: AsyncSession, invitation_id: uuid.UUID) -> Invitation:
    invitation = await InvitationRepository(session).get(invitation_id, for_update=True)
    if invitation.status in ("accepted", "revoked"):
        raise Conflict(f"This invitation was {invitation.status} already; nothing to change.")
    return invitation


async def resend(session: AsyncSession, *, invitation_id: uuid.UUID) -> Invitation:
    """A new link (the old one stops working) with a full new lifetime; an expired invitation comes back."""
    invitation = await _pending(session, invitation_id)
    invitation.sends += 1
    await _send_link(session, invitation)
    note(session, "invitation.resend", "invitation", invitation.id, sends=invitation.sends)
    return invitation


async def revoke(session: AsyncSession, *, invitation_id: uuid.UUID) -> Invitation:
    invitation = await _pending(session, invitation_id)
    invitation.revoked_at = utcnow()
    note(session, "invitation.revoke", "invitation", invitation.id)
    return invitation


async def _usable(session: AsyncSession, token: str) -> Invitation:
    invitation = await InvitationRepository(session).by_token_hash(_hash(token))
    if invitation is None:
        note(session, "invitation.open", "invitation", None, reason="unknown link")
        raise InvitationUnknown()
    reasons = {
        "accepted": "This link was used already. Sign in with the password chosen then, or ask an "
        "administrator for a new link.",
        "revoked": "An administrator withdrew this link. Ask them for a new one.",
        "expired": f"This link expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC. Ask an administrator "
        "to send it again.",
    }
    if invitation.status in reasons:
        note(session, "invitation.open", "invitation", invitation.id, reason=invitation.status)
        raise InvitationGone(reasons[invitation.status], reason=invitation.status)
    return invitation


async def preview(session: AsyncSession, *, token: str) -> Invitation:
    invitation = await _usable(session, token)
    note(session, "invitation.open", "invitation", invitation.id)
    return invitation


def _check_password(password: str, invitation: Invitation) -> None:
    folded = password.casefold()
    local = invitation.email.split("@", 1)[0].casefold()
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        raise InvalidInput(
            f"The password needs at least {MIN_DISTINCT_CHARACTERS} different characters.", field="body.password"
        )
    if (len(local) >= 3 and local in folded) or invitation.email.casefold() in folded:
        raise InvalidInput("The password must not contain your e-mail address.", field="body.password")
    names = [part for part in invitation.full_name.casefold().split() if len(part) >= 3]
    if any(part in folded for part in names):
        raise InvalidInput("The password must not contain your name.", field="body.password")


async def accept(session: AsyncSession, *, token: str, password: str) -> TokenPair:
    """Use the link: the account is created (or its password replaced) and a session starts."""
    invitation = await _usable(session, token)
    _check_password(password, invitation)
    repo = UserRepository(session)
    if invitation.purpose == "invite":
        if await repo.by_email(invitation.email) is not None:
            raise Conflict(f"An account for {invitation.email} exists already; sign in instead.")
        user = repo.add(
            User(
                email=invitation.email.lower(),
                full_name=invitation.full_name,
                role=invitation.role,
                queue=invitation.queue,
                organization_id=invitation.organization_id,
                password_hash=hash_password(password),
                active=True,
                password_change_required=False,
            )
        )
        await session.flush()
        invitation.user_id = user.id
        note(session, "user.create", "user", user.id, role=invitation.role.value, invitation=str(invitation.id))
    else:
        # A reset link is only ever made for an existing account.
        assert invitation.user_id is not None
        user = await repo.get(invitation.user_id, for_update=True)
        if not user.active:
            raise InvitationGone("This account was disabled after the link was sent.", reason="disabled")
        user.password_hash = hash_password(password)
        user.password_change_required = False
        await users.end_sessions(session, user)
        note(session, "user.password_change", "user", user.id, via="reset link")
    invitation.accepted_at = utcnow()
    note(session, "invitation.accept", "invitation", invitation.id, purpose=invitation.purpose)
    return await users.sign_in(session, user)
