"""Time `import referrals` on a generated history file (default 100,000 rows).

    .venv/bin/python bench/import_referrals.py [--rows 100000] [--referrers 400]

Makes a scratch database (refloop_bench_import, dropped and rebuilt each run), a directory of
referrers, a CSV of the size asked, and times the import service (parse, check, seal, insert,
triggers) in one transaction, as `refloop import referrals` runs it. Prints rows/s and the load average.
"""

import argparse
import asyncio
import csv
import io
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = (
    "source_id",
    "received_at",
    "referrer_npi",
    "service_line",
    "urgency",
    "payer_class",
    "status",
    "status_reason",
    "appointment_date",
    "completion_date",
    "patient_given_name",
    "patient_family_name",
    "patient_birth_date",
    "patient_mrn",
    "actual_revenue",
)
SERVER = os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DATABASE = "refloop_bench_import"


def make_csv(rows: int, npis: list[str], seed: int = 7) -> bytes:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for n in range(rows):
        received = now - timedelta(days=rng.uniform(1, 730))
        status = rng.choices(["completed", "closed", "cancelled", "declined", "scheduled"], [40, 25, 15, 10, 10])[0]
        appointment = (received + timedelta(days=rng.uniform(2, 30))).date().isoformat()
        reason = {"cancelled": "went_elsewhere", "declined": "not_indicated"}.get(status, "")
        writer.writerow(
            [
                f"B{n}",
                received.isoformat(),
                rng.choice(npis),
                rng.choice(["cardiology", "orthopedics", "dermatology"]),
                "routine",
                "commercial",
                status,
                reason,
                appointment if status != "declined" else "",
                appointment if status in ("completed", "closed") else "",
                "Ana",
                f"Silva{n}",
                f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                f"M{n}",
                "",
            ]
        )
    return out.getvalue().encode()


def prepare(url: str) -> None:
    import asyncpg

    from api.launcher import ensure_database, upgrade

    async def drop() -> None:
        admin = await asyncpg.connect(f"{SERVER}/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.close()

    asyncio.run(drop())
    ensure_database(url)
    upgrade(url)


async def main(url: str, rows: int, referrers: int) -> None:
    import asyncpg

    from tests.factories import valid_npi

    npis = [valid_npi(10_000 + i) for i in range(referrers)]
    conn = await asyncpg.connect(url)
    await conn.executemany(
        "INSERT INTO providers (id, npi, given_name, family_name, kind, status) "
        "VALUES (gen_random_uuid(), $1, 'Bench', 'Referrer' || $2, 'external', 'active')",
        [(npi, str(i)) for i, npi in enumerate(npis)],
    )
    await conn.close()
    data = make_csv(rows, npis)
    print(f"file: {rows} rows, {len(data) / 2**20:.1f} MB")

    from domain.relationships import imports
    from domain.shared.db import get_engine, unit_of_work

    started = time.perf_counter()
    async with unit_of_work() as session:
        result = await imports.import_referrals(session, data=data, filename="bench.csv", actor="bench")
    elapsed = time.perf_counter() - started
    await get_engine().dispose()
    print(f"loaded {result.loaded} of {result.rows} rows in {elapsed:.1f} s ({result.loaded / elapsed:,.0f} rows/s)")
    print(f"load average: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--referrers", type=int, default=400)
    args = parser.parse_args()
    url = f"{SERVER}/{DATABASE}"
    os.environ["DATABASE_URL"] = url
    prepare(url)
    asyncio.run(main(url, args.rows, args.referrers))
