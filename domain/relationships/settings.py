"""Admin settings the figures read: score weights, strategic service lines, the fee schedule."""

from decimal import Decimal

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.relationships import rules
from domain.relationships.models import FeeScheduleEntry, RelationshipSettings
from domain.relationships.schemas import FeeEntry, FeeSchedule, RelationshipSettingsIn, RelationshipSettingsOut
from domain.shared.clock import utcnow
from domain.shared.errors import PreconditionFailed


async def current(session: AsyncSession) -> RelationshipSettingsOut:
    row = await session.get(RelationshipSettings, 1)
    if row is None:
        return RelationshipSettingsOut(weights=rules.DEFAULT_WEIGHTS, strategic_service_lines=[], version=0)
    return RelationshipSettingsOut(
        weights=row.weights, strategic_service_lines=row.strategic_service_lines, version=row.version
    )


async def save(
    session: AsyncSession, *, data: RelationshipSettingsIn, expected_version: int | None, actor: str
) -> RelationshipSettingsOut:
    row = await session.get(RelationshipSettings, 1, with_for_update=True)
    version = row.version if row is not None else 0
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed(
            f"The settings changed since you read them (version {version}, you sent "
            f"{expected_version}); read them again and reapply your change."
        )
    before = await current(session)
    if row is None:
        row = RelationshipSettings(id=1, version=0)
        session.add(row)
    row.weights = data.weights.model_dump()
    row.strategic_service_lines = data.strategic_service_lines
    row.version = version + 1
    row.updated_at = utcnow()
    await session.flush()
    await _refresh_figures(session)
    audit.note(
        session,
        "settings.relationships_save",
        "relationship_settings",
        1,
        before=before.model_dump(mode="json", exclude={"version"}),
        after=data.model_dump(mode="json"),
    )
    return await current(session)


async def fee_schedule(session: AsyncSession) -> FeeSchedule:
    rows = (
        await session.execute(
            select(FeeScheduleEntry).order_by(FeeScheduleEntry.service_line, FeeScheduleEntry.payer_class)
        )
    ).scalars()
    return FeeSchedule(
        entries=[FeeEntry(service_line=r.service_line, payer_class=r.payer_class, amount=float(r.amount)) for r in rows]
    )


async def save_fee_schedule(session: AsyncSession, *, data: FeeSchedule, actor: str) -> FeeSchedule:
    """The whole schedule at once: what is not sent is no longer priced."""
    before = await fee_schedule(session)
    await session.execute(delete(FeeScheduleEntry))
    if data.entries:
        await session.execute(
            insert(FeeScheduleEntry),
            [
                {"service_line": e.service_line, "payer_class": e.payer_class.value, "amount": Decimal(str(e.amount))}
                for e in data.entries
            ],
        )
    await _refresh_figures(session)
    audit.note(
        session, "settings.fee_schedule_save", "fee_schedule", None, before=len(before.entries), after=len(data.entries)
    )
    return await fee_schedule(session)


async def _refresh_figures(session: AsyncSession) -> None:
    # Scores and revenue read these settings: recompute in the same transaction.
    from domain.relationships import snapshot

    await snapshot.refresh(session)
