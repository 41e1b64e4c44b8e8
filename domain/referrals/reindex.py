"""Fill the search indexes of referrals written before they existed (`refloop reindex`).

The indexes are keyed hashes, so only the app, holding the blind-index key, can compute
them: a SQL migration cannot. `refloop migrate` runs this for rows still missing them;
after changing the blind-index key run `refloop reindex --all`. Batches in primary-key
order, each its own transaction, so a run can stop anywhere and be started again.
"""

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.referrals.indexes import patient_indexes
from domain.referrals.models import Referral


async def reindex_batch(
    session: AsyncSession, *, after: uuid.UUID | None, batch_size: int, only_missing: bool
) -> tuple[int, uuid.UUID | None]:
    """(rows rewritten, last id seen or None when done)."""
    stmt = select(
        Referral.id,
        Referral.patient_family_name,
        Referral.patient_given_name,
        Referral.patient_birth_date,
        Referral.patient_mrn,
        Referral.patient_phone,
    )
    if only_missing:
        stmt = stmt.where(Referral.patient_surname_index.is_(None))
    if after is not None:
        stmt = stmt.where(Referral.id > after)
    rows = (await session.execute(stmt.order_by(Referral.id).limit(batch_size))).all()
    for row in rows:
        values = patient_indexes(
            family_name=row.patient_family_name,
            given_name=row.patient_given_name,
            birth_date=row.patient_birth_date,
            mrn=row.patient_mrn,
            phone=row.patient_phone,
        )
        await session.execute(
            update(Referral).where(Referral.id == row.id).values(values).execution_options(synchronize_session=False)
        )
    return len(rows), (rows[-1].id if len(rows) == batch_size else None)
