import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update

from domain.identity.models import ApiKey, EhrClient, Invitation, RefreshToken, User
from domain.shared.repository import Repository


class UserRepository(Repository[User]):
    model = User
    entity_name = "User"

    async def by_email(self, email: str) -> User | None:
        stmt = select(User).where(func.lower(User.email) == email.strip().lower())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(
        self, *, role: str | None, active: bool | None, limit: int, cursor: str | None
    ) -> tuple[list[User], str | None]:
        stmt = select(User)
        if role is not None:
            stmt = stmt.where(User.role == role)
        if active is not None:
            stmt = stmt.where(User.active == active)
        return await self.paginate(stmt, sort=User.created_at, descending=False, limit=limit, cursor=cursor)


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken
    entity_name = "Refresh token"

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_for_user(self, user_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        rows = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(RefreshToken.family_id)
        )
        return sorted(set(rows.scalars()))


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey
    entity_name = "API key"

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        return (await self.session.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar_one_or_none()

    async def touch(self, key_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))

    async def find(
        self, *, organization_id: uuid.UUID | None, limit: int, cursor: str | None
    ) -> tuple[list[ApiKey], str | None]:
        stmt = select(ApiKey)
        if organization_id is not None:
            stmt = stmt.where(ApiKey.organization_id == organization_id)
        return await self.paginate(stmt, sort=ApiKey.created_at, descending=False, limit=limit, cursor=cursor)


class EhrClientRepository(Repository[EhrClient]):
    model = EhrClient
    entity_name = "EHR client"

    async def by_client_id(self, client_id: str) -> EhrClient | None:
        stmt = select(EhrClient).where(EhrClient.client_id == client_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(self, *, limit: int, cursor: str | None) -> tuple[list[EhrClient], str | None]:
        return await self.paginate(
            select(EhrClient), sort=EhrClient.created_at, descending=False, limit=limit, cursor=cursor
        )


class InvitationRepository(Repository[Invitation]):
    model = Invitation
    entity_name = "Invitation"

    async def by_token_hash(self, token_hash: str) -> Invitation | None:
        stmt = select(Invitation).where(Invitation.token_hash == token_hash).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def _pending(self, at: datetime) -> tuple[ColumnElement[bool], ...]:
        return (Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > at)

    async def pending_for(self, *, email: str, purpose: str, at: datetime) -> list[Invitation]:
        stmt = (
            select(Invitation)
            .where(func.lower(Invitation.email) == email.lower(), Invitation.purpose == purpose, *self._pending(at))
            .with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars())

    async def find(
        self, *, status: str | None, at: datetime, limit: int, cursor: str | None
    ) -> tuple[list[Invitation], str | None]:
        stmt = select(Invitation)
        if status == "pending":
            stmt = stmt.where(*self._pending(at))
        elif status == "accepted":
            stmt = stmt.where(Invitation.accepted_at.is_not(None))
        elif status == "revoked":
            stmt = stmt.where(Invitation.revoked_at.is_not(None), Invitation.accepted_at.is_(None))
        elif status == "expired":
            stmt = stmt.where(
                Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at <= at
            )
        return await self.paginate(stmt, sort=Invitation.created_at, descending=True, limit=limit, cursor=cursor)
