"""Time `import providers` on a generated NPPES-style file (default 100,000 rows), then its re-import.

    .venv/bin/python bench/import_providers.py [--rows 100000]

Makes a scratch database (refloop_bench_directory, dropped and rebuilt each run), a CSV of the size
asked (every row with its practice's address, phone, e-mail and a taxonomy to check and normalise;
`--practices` distinct practices, default 5,000, 20 providers each; `--practices 100000` makes every
value distinct), and
times the import as `refloop import providers` runs it: parse, check, normalise, upsert, in one
transaction. Then the same file again (every row unchanged, nothing written). Prints rows/s and the
load average.
"""

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DATABASE = "refloop_bench_directory"
STREETS = ("main street", "oak avenue", "north elm st", "lake shore drive", "w 5th street", "maple road")
CITIES = (
    ("Springfield", "IL", "62704"),
    ("Boston", "MA", "02110"),
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
)
CODES = ("207RC0000X", "207Q00000X", "207X00000X", "208D00000X", "363LF0000X", "207RG0100X")


def make_csv(rows: int, practices: int, seed: int = 11) -> bytes:
    """Providers spread over `practices` practices; a practice's providers share its address, phone and
    e-mail, as in a real directory. `practices` equal to `rows` makes every value distinct (the worst case)."""
    from tests.directory_files import directory_csv, provider_row
    from tests.factories import valid_npi

    rng = random.Random(seed)
    sites = []
    for p in range(practices):
        city, state, zip5 = rng.choice(CITIES)
        sites.append(
            {
                "address_line_1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                "address_line_2": "",
                "city": city,
                "state": state,
                "postal_code": f"{zip5}-{rng.randint(1000, 9999)}",
                "phone": f"({rng.randint(201, 989)}) 555-{p % 10_000:04d}",
                "email": f"office@practice{p}.example",
                "organization_name": f"Practice {p}",
            }
        )
    lines = [
        provider_row(
            valid_npi(20_000_000 + n),
            first_name=f"Given{n}",
            last_name=f"Family{n}",
            taxonomy_code_1=rng.choice(CODES),
            **sites[n % practices],
        )
        for n in range(rows)
    ]
    return directory_csv(lines)


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


async def main(rows: int, practices: int) -> None:
    from domain.providers import import_jobs
    from domain.shared.db import get_engine, unit_of_work

    data = make_csv(rows, practices)
    print(f"file: {rows} rows, {practices} practices, {len(data) / 2**20:.1f} MB")
    for label in ("first import", "re-import"):
        started = time.perf_counter()
        async with unit_of_work() as session:
            job = await import_jobs.run(session, data=data, filename="bench.csv", actor="bench")
        elapsed = time.perf_counter() - started
        print(f"{label}: {job.counts} in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s)")
    await get_engine().dispose()
    print(f"load average: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--practices", type=int, default=5_000, help="the number of distinct practice sites")
    args = parser.parse_args()
    url = f"{SERVER}/{DATABASE}"
    os.environ["DATABASE_URL"] = url
    prepare(url)
    asyncio.run(main(args.rows, args.practices))
