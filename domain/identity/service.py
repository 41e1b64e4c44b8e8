"""Staff accounts and their sessions: login, refresh-token rotation, logout, admin changes."""

import base64
import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.trail import mark, note, note_list
from domain.identity import limits, tokens
from domain.identity.enums import Role
from domain.identity.errors import InvalidCredentials, NotAuthenticated
from domain.identity.models import RefreshToken, User
from domain.identity.passwords import hash_password, needs_rehash, verify_password
from domain.identity.repository import RefreshTokenRepository, UserRepository
from domain.identity.schemas import TokenPair, UserCreate, UserUpdate
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.settings import get_settings


@dataclass(frozen=True)
class RefreshReused:
    """A spent refresh token came back: its family is revoked; the caller must log in again."""

    family_id: uuid.UUID


def _access_lifetime() -> timedelta:
    return timedelta(minutes=get_settings().security.access_token_minutes)


async def create_user(session: AsyncSession, *, data: UserCreate, actor: str) -> User:
    repo = UserRepository(session)
    if await repo.by_email(data.email) is not None:
        raise Conflict(
            f"A user with e-mail {data.email} already exists.",
            errors=[{"field": "body.email", "message": "already in use"}],
        )
    user = repo.add(
        User(
            email=data.email.lower(),
            full_name=data.full_name,
            role=data.role,
            queue=data.queue,
            password_hash=hash_password(data.password),
            active=True,
            password_change_required=data.password_change_required,
        )
    )
    await session.flush()
    note(
        session, "user.create", "user", user.id, role=data.role.value, temporary_password=data.password_change_required
    )
    return user


async def with_lock_state(users: list[User]) -> list[User]:
    """Marks each user locked or not (a transient attribute the User schema reads): the lock lives in Redis."""
    locked = await limits.locked([u.email for u in users])
    for user in users:
        user.locked = user.email in locked  # type: ignore[attr-defined]
    return users


async def get_user(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    note(session, "user.read", "user", user.id)
    return (await with_lock_state([user]))[0]


async def list_users(
    session: AsyncSession, *, role: Role | None, active: bool | None, limit: int, cursor: str | None
) -> tuple[list[User], str | None]:
    items, next_cursor = await UserRepository(session).find(role=role, active=active, limit=limit, cursor=cursor)
    note_list(session, "user", [u.id for u in items])
    return await with_lock_state(items), next_cursor


async def update_user(session: AsyncSession, *, user_id: uuid.UUID, data: UserUpdate, actor: str) -> User:
    user = await UserRepository(session).get(user_id, for_update=True)
    changes = data.model_dump(exclude_unset=True, exclude={"password"})
    changed = sorted(name for name, value in changes.items() if value is not None and getattr(user, name) != value)
    for name in changed:
        setattr(user, name, changes[name])
    if data.password is not None:
        # An administrator's reset: a temporary password the user replaces at next sign-in.
        user.password_hash = hash_password(data.password)
        user.password_change_required = True
        changed.append("password")
    if "active" in changed or "password" in changed or "role" in changed:
        # End every session: a disabled user, a reset password or a new role starts afresh.
        await _end_sessions(session, user)
    if "active" in changed and user.active:
        await limits.clear_marker(f"user:{user.id}")
    await session.flush()
    note(session, "user.update", "user", user.id, fields=changed)
    return (await with_lock_state([user]))[0]


async def unlock_user(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    was_locked = bool(await limits.locked([user.email]))
    await limits.clear_login_failures(user.email)
    note(session, "user.unlock", "user", user.id, was_locked=was_locked)
    user.locked = False  # type: ignore[attr-defined]
    return user


async def change_password(session: AsyncSession, *, user_id: uuid.UUID, current: str, new: str) -> TokenPair:
    """The user's own choice replaces the old password; every other session ends and a fresh one starts."""
    user = await UserRepository(session).get(user_id, for_update=True)
    if not verify_password(current, user.password_hash):
        note(session, "user.password_change", "user", user.id, reason="wrong current password")
        raise InvalidInput("The current password is wrong.", field="body.current_password")
    if current == new:
        raise InvalidInput("The new password must differ from the current one.", field="body.new_password")
    user.password_hash = hash_password(new)
    user.password_change_required = False
    await _end_sessions(session, user)
    note(session, "user.password_change", "user", user.id)
    return await _issue(session, user, family_id=uuid.uuid4())


async def sign_in(session: AsyncSession, user: User) -> TokenPair:
    """A new session for a user who proved who they are another way (a one-time e-mailed link)."""
    user.last_login_at = utcnow()
    return await _issue(session, user, family_id=uuid.uuid4())


async def end_sessions(session: AsyncSession, user: User) -> None:
    await _end_sessions(session, user)


async def _end_sessions(session: AsyncSession, user: User) -> None:
    families = await RefreshTokenRepository(session).revoke_for_user(user.id, utcnow())
    ttl = int(_access_lifetime().total_seconds()) + tokens.LEEWAY_SECONDS
    for family in families:
        await limits.revoke_marker(f"family:{family}", ttl_seconds=ttl)
    if not user.active:
        # Tokens already out stop working at once, not when they expire.
        await limits.revoke_marker(f"user:{user.id}", ttl_seconds=ttl)


async def login(session: AsyncSession, *, email: str, password: str) -> TokenPair:
    await limits.check_login_allowed(email)
    user = await UserRepository(session).by_email(email)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        await limits.record_login_failure(email)
        note(session, "user.login", "user", user.id if user else None, reason="bad credentials")
        raise InvalidCredentials()
    if not user.active:
        note(session, "user.login", "user", user.id, reason="disabled")
        raise InvalidCredentials("This account is disabled; ask an administrator.")
    await limits.clear_login_failures(email)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    note(session, "user.login", "user", user.id)
    return await _issue(session, user, family_id=uuid.uuid4())


async def refresh(session: AsyncSession, *, refresh_token: str) -> TokenPair | RefreshReused:
    row_id, secret = _parse_refresh(refresh_token)
    repo = RefreshTokenRepository(session)
    row = await repo.get_or_none(row_id, for_update=True)
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(secret)):
        raise NotAuthenticated("The refresh token is not one this service issued.", error="invalid_grant")
    now = utcnow()
    if row.revoked_at is not None:
        raise NotAuthenticated("This session was ended; log in again.", error="invalid_grant")
    if row.used_at is not None:
        # Someone replayed a spent token: the thief or the owner, we cannot tell. End the whole family.
        await repo.revoke_family(row.family_id, now)
        await limits.revoke_marker(f"family:{row.family_id}", ttl_seconds=int(_access_lifetime().total_seconds()) + 60)
        note(session, "user.refresh_reuse", "user", row.user_id, family=str(row.family_id))
        mark(session, "denied", 401)
        return RefreshReused(row.family_id)
    if row.expires_at <= now:
        raise NotAuthenticated("The refresh token has expired; log in again.", error="invalid_grant")
    user = await UserRepository(session).get(row.user_id)
    if not user.active:
        raise NotAuthenticated("This account is disabled.", error="invalid_grant")
    row.used_at = now
    note(session, "user.refresh", "user", user.id)
    return await _issue(session, user, family_id=row.family_id)


async def logout(
    session: AsyncSession, *, refresh_token: str | None, session_id: str | None, user_id: uuid.UUID
) -> None:
    """Ends the session of the given refresh token, or of the access token's family."""
    family: uuid.UUID | None = None
    if refresh_token:
        row_id, secret = _parse_refresh(refresh_token)
        row = await RefreshTokenRepository(session).get_or_none(row_id)
        if row is not None and row.user_id == user_id and hmac.compare_digest(row.secret_hash, _digest(secret)):
            family = row.family_id
    if family is None and session_id:
        family = uuid.UUID(session_id)
    if family is not None:
        await RefreshTokenRepository(session).revoke_family(family, utcnow())
        await limits.revoke_marker(f"family:{family}", ttl_seconds=int(_access_lifetime().total_seconds()) + 60)
    note(session, "user.logout", "user", user_id)


async def _issue(session: AsyncSession, user: User, *, family_id: uuid.UUID) -> TokenPair:
    settings = get_settings().security
    now = utcnow()
    secret = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    row = RefreshTokenRepository(session).add(
        RefreshToken(
            family_id=family_id,
            user_id=user.id,
            secret_hash=_digest(secret),
            issued_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    access, expires_in = tokens.issue(
        subject=str(user.id),
        kind="user",
        lifetime=_access_lifetime(),
        role=Role(user.role).value,
        session_id=str(family_id),
        password_change_required=user.password_change_required,
    )
    return TokenPair(access_token=access, refresh_token=f"{row.id.hex}.{secret}", expires_in=expires_in)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse_refresh(token: str) -> tuple[uuid.UUID, str]:
    head, _, secret = token.partition(".")
    try:
        return uuid.UUID(hex=head), secret
    except ValueError as exc:
        raise NotAuthenticated("The refresh token is not one this service issued.", error="invalid_grant") from exc
