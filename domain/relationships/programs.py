"""Programs (a kind of outreach or a campaign), what they cost, and what they return.

ROI over [from, to) = (attributed revenue - cost) / cost. A referral received in the period is
attributed to the program of its referrer's last touchpoint in the 90 days before it (a touchpoint
with the referring provider, or with the referring practice); when that last touchpoint has no
program, the referral is attributed to none. Cost is what the program incurred in the period.
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.models import ReferralFact
from domain.audit import trail as audit
from domain.relationships.models import FeeScheduleEntry, Program, ProgramCost, ReferralRevenue, Touchpoint
from domain.relationships.schemas import ProgramCostCreate, ProgramCreate, Roi, RoiRow
from domain.relationships.service import period
from domain.shared.errors import Conflict, NotFound
from domain.shared.ids import uuid7

ATTRIBUTION_WINDOW = timedelta(days=90)


async def create_program(session: AsyncSession, *, data: ProgramCreate) -> Program:
    taken = (await session.execute(select(Program.id).where(Program.name == data.name))).scalar_one_or_none()
    if taken is not None:
        raise Conflict(
            f"A program named {data.name!r} already exists.", errors=[{"field": "body.name", "message": "already used"}]
        )
    program = Program(id=uuid7(), name=data.name, description=data.description)
    session.add(program)
    await session.flush()
    audit.note(session, "program.create", "program", program.id)
    return program


async def list_programs(session: AsyncSession) -> list[Program]:
    return list((await session.execute(select(Program).order_by(Program.name))).scalars())


async def add_cost(session: AsyncSession, *, program_id: uuid.UUID, data: ProgramCostCreate) -> ProgramCost:
    if await session.get(Program, program_id) is None:
        raise NotFound("Program", program_id)
    cost = ProgramCost(
        id=uuid7(),
        program_id=program_id,
        incurred_on=data.incurred_on,
        amount=Decimal(str(data.amount)),
        note=data.note,
    )
    session.add(cost)
    await session.flush()
    audit.note(session, "program.cost_add", "program", program_id, amount=str(cost.amount))
    return cost


async def list_costs(session: AsyncSession, *, program_id: uuid.UUID) -> list[ProgramCost]:
    if await session.get(Program, program_id) is None:
        raise NotFound("Program", program_id)
    stmt = select(ProgramCost).where(ProgramCost.program_id == program_id).order_by(ProgramCost.incurred_on)
    return list((await session.execute(stmt)).scalars())


async def roi(session: AsyncSession, *, start: datetime | None, end: datetime | None) -> Roi:
    start, end = period(start, end, default_days=365)
    F, T = ReferralFact, Touchpoint
    last_touch = (
        select(T.program_id)
        .where(
            or_(
                T.provider_id == F.referring_provider_id,
                and_(F.referring_organization_id.is_not(None), T.organization_id == F.referring_organization_id),
            ),
            T.occurred_at < F.received_at,
            T.occurred_at >= F.received_at - ATTRIBUTION_WINDOW,
        )
        .order_by(T.occurred_at.desc(), T.id.desc())
        .limit(1)
        .lateral("last_touch")
    )
    revenue = func.coalesce(ReferralRevenue.amount, FeeScheduleEntry.amount)
    attributed = (
        select(
            last_touch.c.program_id,
            func.count().label("referrals"),
            func.coalesce(func.sum(revenue).filter(F.completed_at.is_not(None)), 0).label("revenue"),
        )
        .select_from(F)
        .join(last_touch, literal_column("true"))
        .outerjoin(ReferralRevenue, ReferralRevenue.referral_id == F.referral_id)
        .outerjoin(
            FeeScheduleEntry,
            and_(FeeScheduleEntry.service_line == F.service_line, FeeScheduleEntry.payer_class == F.payer_class),
        )
        .where(F.received_at >= start, F.received_at < end, last_touch.c.program_id.is_not(None))
        .group_by(last_touch.c.program_id)
    )
    by_program = {pid: (n, Decimal(rev)) for pid, n, rev in await session.execute(attributed)}
    costs = dict(
        (
            await session.execute(
                select(ProgramCost.program_id, func.sum(ProgramCost.amount))
                .where(
                    ProgramCost.incurred_on >= start.date(),
                    ProgramCost.incurred_on < end.date()
                    if end.time() == datetime.min.time()
                    else ProgramCost.incurred_on <= end.date(),
                )
                .group_by(ProgramCost.program_id)
            )
        ).all()
    )
    rows = []
    for program in await list_programs(session):
        n, rev = by_program.get(program.id, (0, Decimal(0)))
        cost = Decimal(costs.get(program.id) or 0)
        rows.append(
            RoiRow(
                program_id=program.id,
                name=program.name,
                cost=float(cost),
                attributed_referrals=n,
                attributed_revenue=float(rev),
                roi=float((rev - cost) / cost) if cost else None,
            )
        )
    return Roi(start=start, end=end, programs=rows)
