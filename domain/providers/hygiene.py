"""What a provider-relations team should fix in the directory, each item with the action that fixes it."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.enums import ProviderStatus
from domain.providers.models import Provider
from domain.providers.schemas import npi_check_digit_ok
from domain.reference import nucc
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound
from domain.shared.outbox import MessageStatus, OutboxMessage

STALE_AFTER = timedelta(days=365)
RECENT_OUTREACH = timedelta(days=90)
KINDS = {
    "missing_preferred_contact": ("No preferred contact method", "edit", "Set the preferred contact method"),
    "missing_npi": ("No NPI", "edit", "Add the NPI"),
    "invalid_npi": ("The NPI's check digit is wrong", "edit", "Correct the NPI"),
    "unknown_taxonomy": ("A specialty code is not in the NUCC code set", "edit", "Choose a NUCC specialty"),
    "bad_contact_point": ("A contact point bounced or was refused", "edit", "Replace the bad contact point"),
    "not_verified": ("Not verified for 12 months", "verify", "Confirm the record and mark it verified"),
    "inactive_outreach": (
        "Inactive but still receiving outreach",
        "edit",
        "Reactivate the provider, or stop the queued messages",
    ),
}


def _problems(p: Row[Any], now: datetime) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if p.preferred_contact_method is None:
        found.append(("missing_preferred_contact", ""))
    if not p.npi:
        found.append(("missing_npi", ""))
    elif not (p.npi.isdigit() and len(p.npi) == 10 and npi_check_digit_ok(p.npi)):
        found.append(("invalid_npi", p.npi))
    unknown = [s.get("code", "") for s in p.specialties or [] if nucc.lookup(s.get("code") or "") is None]
    if unknown:
        found.append(("unknown_taxonomy", ", ".join(unknown)))
    bad = [c.get("value", "") for c in p.contact_points or [] if c.get("bad")]
    if bad:
        found.append(("bad_contact_point", ", ".join(bad)))
    if p.verified_at is None or p.verified_at < now - STALE_AFTER:
        found.append(("not_verified", p.verified_at.date().isoformat() if p.verified_at else "never verified"))
    return found


async def _inactive_with_outreach(session: AsyncSession, now: datetime) -> set[uuid.UUID]:
    stmt = (
        select(OutboxMessage.recipient_id)
        .distinct()
        .join(Provider, Provider.id == OutboxMessage.recipient_id)
        .where(
            OutboxMessage.recipient_type == "provider",
            Provider.status == ProviderStatus.inactive,
            or_(OutboxMessage.status == MessageStatus.queued, OutboxMessage.sent_at > now - RECENT_OUTREACH),
        )
    )
    return {row_id for row_id in (await session.execute(stmt)).scalars() if row_id is not None}


async def report(session: AsyncSession, *, limit: int = 100) -> dict[str, Any]:
    """Counts per kind, and up to `limit` items per kind, the newest records first (what just came in)."""
    now = utcnow()
    outreach = await _inactive_with_outreach(session, now)
    stmt = (
        select(
            Provider.id,
            Provider.npi,
            Provider.given_name,
            Provider.family_name,
            Provider.status,
            Provider.preferred_contact_method,
            Provider.specialties,
            Provider.contact_points,
            Provider.verified_at,
        )
        .where(Provider.status != ProviderStatus.merged)
        .order_by(Provider.created_at.desc(), Provider.id)
    )
    counts = dict.fromkeys(KINDS, 0)
    items: list[dict[str, Any]] = []
    for p in (await session.execute(stmt)).all():
        problems = _problems(p, now) if p.status == ProviderStatus.active else []
        if p.id in outreach:
            problems.append(("inactive_outreach", ""))
        for kind, detail in problems:
            counts[kind] += 1
            if counts[kind] > limit:
                continue
            title, action, label = KINDS[kind]
            items.append(
                {
                    "kind": kind,
                    "provider_id": p.id,
                    "provider_name": f"{p.given_name} {p.family_name}",
                    "npi": p.npi,
                    "problem": f"{title}: {detail}" if detail else title,
                    "fix": {
                        "action": action,
                        "label": label,
                        "href": f"/providers/{p.id}",
                        "api": f"POST /v1/providers/{p.id}/verify"
                        if action == "verify"
                        else f"PATCH /v1/providers/{p.id}",
                    },
                }
            )
    return {"counts": counts, "total": sum(counts.values()), "items": items}


async def verify(session: AsyncSession, provider_id: uuid.UUID) -> None:
    done = await session.execute(
        update(Provider)
        .where(Provider.id == provider_id)
        .values(verified_at=utcnow(), version=Provider.version + 1)
        .returning(Provider.id)
    )
    if done.scalar_one_or_none() is None:
        raise NotFound("Provider", provider_id)


async def mark_bounced(session: AsyncSession, provider_id: uuid.UUID, *, reason: str) -> None:
    """A permanent e-mail failure: every e-mail contact point of the provider is marked bad (the address
    is looked up at send time, so the one used is the provider's e-mail) and shows on the hygiene report."""
    provider = await session.get(Provider, provider_id)
    if provider is None:
        return
    points = [
        {**c, "bad": True, "bad_reason": reason[:200], "bad_at": utcnow().isoformat()}
        if c.get("system") == "email"
        else c
        for c in provider.contact_points or []
    ]
    if points != provider.contact_points:
        provider.contact_points = points
        provider.import_fingerprint = None
        provider.version += 1
