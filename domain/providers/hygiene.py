"""What a provider-relations team should fix in the directory, each item with the action that fixes it."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.enums import ProviderStatus
from domain.providers.models import Provider
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


def _kinds(now: datetime) -> dict[str, tuple[Any, Any]]:
    """Per kind, which active records have the problem (SQL over the row and the flags the providers_hygiene
    trigger keeps), and the detail the item shows. Literal SQL where a partial index has the same predicate:
    a bound parameter would keep the planner from using it."""
    bad_values: ColumnElement[str] = literal_column(
        "(SELECT string_agg(c ->> 'value', ', ') FROM jsonb_array_elements(providers.contact_points) c"
        " WHERE c @> '{\"bad\": true}')"
    )
    return {
        "missing_preferred_contact": (Provider.preferred_contact_method.is_(None), None),
        "missing_npi": (func.coalesce(Provider.npi, "") == "", None),
        "invalid_npi": (Provider.npi_invalid, Provider.npi),
        "unknown_taxonomy": (
            literal_column("cardinality(providers.unknown_taxonomy) > 0"),
            func.array_to_string(Provider.unknown_taxonomy, ", "),
        ),
        "bad_contact_point": (
            literal_column("""providers.contact_points @> '[{"bad": true}]'"""),
            bad_values,
        ),
        "not_verified": (
            or_(Provider.verified_at.is_(None), Provider.verified_at < now - STALE_AFTER),
            func.coalesce(func.to_char(Provider.verified_at, "YYYY-MM-DD"), "never verified"),
        ),
    }


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


def _item(kind: str, p: Any, detail: str | None) -> dict[str, Any]:
    title, action, label = KINDS[kind]
    return {
        "kind": kind,
        "provider_id": p.id,
        "provider_name": f"{p.given_name} {p.family_name}",
        "npi": p.npi,
        "problem": f"{title}: {detail}" if detail else title,
        "fix": {
            "action": action,
            "label": label,
            "href": f"/providers/{p.id}",
            "api": f"POST /v1/providers/{p.id}/verify" if action == "verify" else f"PATCH /v1/providers/{p.id}",
        },
    }


async def report(session: AsyncSession, *, limit: int = 100) -> dict[str, Any]:
    """Counts per kind, and up to `limit` items per kind, the newest records first (what just came in).
    Counted in one scan; each kind's items come from the created_at index, so the report costs the same
    at 100,000 records as at 1,000. Only active records count, but for inactive ones still in outreach."""
    now = utcnow()
    kinds = _kinds(now)
    active = Provider.status == ProviderStatus.active
    counted = select(*(func.count().filter(where).label(kind) for kind, (where, _) in kinds.items())).where(active)
    counts = dict.fromkeys(KINDS, 0) | dict((await session.execute(counted)).one()._mapping)
    columns = (Provider.id, Provider.npi, Provider.given_name, Provider.family_name, Provider.created_at)
    found: list[tuple[Any, int, dict[str, Any]]] = []
    order = {kind: index for index, kind in enumerate(KINDS)}
    for kind, (where, detail) in kinds.items():
        stmt = (
            select(*columns, (detail if detail is not None else literal(None)).label("detail"))
            .where(active, where)
            .order_by(Provider.created_at.desc(), Provider.id)
            .limit(limit)
        )
        found += [((p.created_at, p.id), order[kind], _item(kind, p, p.detail)) for p in await session.execute(stmt)]
    outreach = await _inactive_with_outreach(session, now)
    counts["inactive_outreach"] = len(outreach)
    if outreach:
        stmt = (
            select(*columns, literal(None).label("detail"))
            .where(Provider.id.in_(outreach))
            .order_by(Provider.created_at.desc(), Provider.id)
            .limit(limit)
        )
        kind = "inactive_outreach"
        found += [((p.created_at, p.id), order[kind], _item(kind, p, None)) for p in await session.execute(stmt)]
    # Newest record first, its problems in the order of KINDS, as the web app lists them.
    found.sort(key=lambda f: (-f[0][0].timestamp(), str(f[0][1]), f[1]))
    return {"counts": counts, "total": sum(counts.values()), "items": [item for _, _, item in found]}


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
