"""Idempotency-Key handling for POSTs that create.

The key row is inserted in the same transaction as what it creates. A concurrent
request with the same key blocks on the unique index until the first commits,
then finds the row and answers with the same resource: one creation, however
many copies arrive at once.
"""

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.db import Base
from domain.shared.errors import DomainError


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # Who sent the key (a user, a partner key...): keys are private to their sender.
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotencyKeyReused(DomainError):
    status = 422
    title = "Idempotency key reused"
    slug = "idempotency-key-reused"


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(session: AsyncSession, *, scope: str, key: str, payload: Any) -> uuid.UUID | None:
    """Take the key for this request. Returns the earlier resource's id when the key was used."""
    digest = fingerprint(payload)
    stmt = (
        insert(IdempotencyKey)
        .values(scope=scope, key=key, fingerprint=digest, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if (await session.execute(stmt)).first() is not None:
        return None
    earlier = await session.get(IdempotencyKey, (scope, key))
    assert earlier is not None  # the conflicting row is committed: the insert waited for it
    if earlier.fingerprint != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body.",
            errors=[{"field": "header.Idempotency-Key", "message": "already used with another body"}],
        )
    return earlier.resource_id


async def record(session: AsyncSession, *, scope: str, key: str, resource_id: uuid.UUID) -> None:
    row = await session.get(IdempotencyKey, (scope, key))
    assert row is not None
    row.resource_id = resource_id
