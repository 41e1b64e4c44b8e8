"""What each step of GET /v1/referrals/{id} and of a 50-row list page costs, in-process (no HTTP).

    .venv/bin/python bench/read_path_costs.py [--n 400]

One connection, steps timed one after another over random ids of the 1M, alternated in rounds
so a noisy neighbour hits every step alike; prints the median microseconds per call. The bare
library calls are the ceilings (BENCH.md); the differences show what a fix could win.
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import os  # noqa: E402

from bench import servers  # noqa: E402

os.environ["DATABASE_URL"] = servers.bench_database_url()

import asyncpg  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402

import domain.models  # noqa: E402,F401
from bench.bare import BY_ID, COLUMNS  # noqa: E402
from domain.audit.models import AuditEvent  # noqa: E402
from domain.referrals.models import Referral  # noqa: E402
from domain.referrals.schemas import Referral as ReferralOut  # noqa: E402
from domain.shared.clock import utcnow  # noqa: E402
from domain.shared.crypto import keyring  # noqa: E402
from domain.shared.ids import uuid7  # noqa: E402

SEALED = [
    "patient_given_name",
    "patient_family_name",
    "patient_birth_date",
    "patient_sex",
    "patient_phone",
    "patient_email",
    "patient_address",
    "patient_mrn",
    "patient_notes",
    "reason",
]
LIST_SQL = (
    f"SELECT {COLUMNS} FROM referrals WHERE status = 'received' AND service_line = 'cardiology' "
    "ORDER BY received_at DESC, id DESC LIMIT 51"
)


def audit_row() -> dict:
    return {
        "id": uuid7(),
        "at": utcnow(),
        "actor": "user:bench",
        "actor_kind": "user",
        "action": "referral.read",
        "entity_type": "referral",
        "entity_id": "x",
        "detail": {},
        "request_id": None,
        "client_address": None,
        "outcome": "success",
        "status": 200,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="calls per step")
    args = parser.parse_args()
    url = servers.bench_database_url()
    raw = await asyncpg.connect(url)
    ids = [
        r["id"]
        for r in await raw.fetch(
            "SELECT id FROM referrals TABLESAMPLE SYSTEM (1) WHERE source_system = 'bench-load' LIMIT $1", args.n
        )
    ]
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"), pool_size=1)
    ring = keyring()
    row = dict(await raw.fetchrow(BY_ID, ids[0]))
    async with AsyncSession(engine, expire_on_commit=False) as s:
        orm_obj = await s.get(Referral, ids[0])
        page = list(
            (
                await s.execute(
                    select(Referral)
                    .where(Referral.status == "received", Referral.service_line == "cardiology")
                    .order_by(Referral.received_at.desc(), Referral.id.desc())
                    .limit(51)
                )
            ).scalars()
        )
        s.expunge_all()  # keep the loaded state (a rollback would expire it)

    async def asyncpg_pk(i):
        await raw.fetchrow(BY_ID, i)

    async def orm_get(i):
        async with AsyncSession(engine) as s:
            await s.get(Referral, i)
            await s.commit()

    async def core_columns(i):
        async with AsyncSession(engine) as s:
            (await s.execute(select(*Referral.__table__.c).where(Referral.id == i))).one()
            await s.commit()

    async def orm_get_audit_commit(i):
        async with AsyncSession(engine) as s:
            await s.get(Referral, i)
            await s.execute(insert(AuditEvent), [audit_row()])
            await s.commit()

    async def orm_get_audit_async_commit(i):
        async with AsyncSession(engine) as s:
            await s.execute(text("SET LOCAL synchronous_commit = off"))
            await s.get(Referral, i)
            await s.execute(insert(AuditEvent), [audit_row()])
            await s.commit()

    async def decrypt_row(i):
        for column in SEALED:
            if row[column] is not None:
                ring.open(row[column], f"referrals.{column}")

    async def pydantic_out(i):
        ReferralOut.model_validate(orm_obj).model_dump_json()

    async def asyncpg_list(i):
        await raw.fetch(LIST_SQL)

    async def orm_list(i):
        async with AsyncSession(engine) as s:
            list(
                (
                    await s.execute(
                        select(Referral)
                        .where(Referral.status == "received", Referral.service_line == "cardiology")
                        .order_by(Referral.received_at.desc(), Referral.id.desc())
                        .limit(51)
                    )
                ).scalars()
            )
            await s.commit()

    async def pydantic_list(i):
        for obj in page[:50]:
            ReferralOut.model_validate(obj).model_dump_json()

    steps = {
        "asyncpg fetchrow by PK (bare ceiling)": asyncpg_pk,
        "SQLAlchemy Core select(all columns) by PK + decrypt, session, commit": core_columns,
        "ORM session.get by PK (decrypts 10 sealed fields), commit": orm_get,
        "ORM session.get + audit INSERT, commit": orm_get_audit_commit,
        "same, SET LOCAL synchronous_commit = off": orm_get_audit_async_commit,
        "decrypt one row's 10 sealed fields alone": decrypt_row,
        "pydantic Referral.model_validate(orm) + model_dump_json": pydantic_out,
        "asyncpg list page, 51 rows (bare ceiling)": asyncpg_list,
        "ORM list page, 51 rows (decrypts 510 fields)": orm_list,
        "pydantic validate + dump 50 referrals": pydantic_list,
    }
    timings: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():  # warm caches and compiled statements
        for i in ids[:5]:
            await step(i)
    rounds = 10
    per_round = max(1, len(ids) // rounds)
    for r in range(rounds):
        chunk = ids[r * per_round : (r + 1) * per_round]
        order = list(steps.items())
        random.shuffle(order)
        for name, step in order:
            n = per_round if "list" not in name else max(1, per_round // 10)
            started = time.perf_counter()
            for i in chunk[:n]:
                await step(i)
            timings[name].append((time.perf_counter() - started) / n * 1e6)
    await raw.close()
    await engine.dispose()
    print(
        f"median (min-max over {rounds} rounds) microseconds per call, {len(ids)} random ids; "
        "shared machine, expect noise"
    )
    for name, values in timings.items():
        print(f"  {statistics.median(values):9,.0f} ({min(values):,.0f}-{max(values):,.0f})  {name}")


if __name__ == "__main__":
    asyncio.run(main())
