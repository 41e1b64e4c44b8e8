"""CPU that journey automation (routing, completeness, the SLA clock) adds to one intake.

    .venv/bin/python -m bench.journey_intake_cpu [--n 300] [--rounds 3] [--rules 20]

In-process against its own database (refloop_bench_journey_cpu, rebuilt each run): 20 routing
rules of which the last matches, a completeness rule the referral satisfies, a round-robin queue
of three. Each round creates N referrals through the referral service and reads the process CPU
time spent inside the journey hook (its Python plus the client side of its queries), next to
the CPU of the whole create. Prints median and spread over rounds.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "refloop_bench_journey_cpu"
URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"


def rebuild() -> None:
    import psycopg2

    conn = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DB}"')
    conn.close()
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": URL},
        stdout=subprocess.DEVNULL,
    )


async def run(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = URL
    from domain.identity.models import User
    from domain.journey import completeness, intake, routing, sla
    from domain.journey.models import CompletenessRule, RoutingRule, WorkQueue, WorkQueueMember
    from domain.referrals import service
    from domain.referrals.schemas import ReferralCreate
    from domain.shared.db import unit_of_work
    from tests.factories import referral_payload

    async with unit_of_work() as session:
        users = [User(email=f"c{i}@bench.test", full_name=f"C {i}", role="intake", active=True) for i in range(3)]
        session.add_all(users)
        queue = WorkQueue(name="Cardiology intake", version=1, turn=0)
        session.add(queue)
        await session.flush()
        session.add_all(WorkQueueMember(queue_id=queue.id, user_id=u.id) for u in users)
        for i in range(args.rules - 1):
            session.add(
                RoutingRule(
                    name=f"r{i}",
                    position=i,
                    active=True,
                    queue_id=queue.id,
                    strategy="round_robin",
                    conditions={"service_line": [f"line-{i}"], "urgency": ["stat"]},
                    version=1,
                )
            )
        session.add(
            RoutingRule(
                name="cardiology",
                position=args.rules,
                active=True,
                queue_id=queue.id,
                strategy="round_robin",
                conditions={"service_line": ["cardiology"]},
                version=1,
            )
        )
        session.add(
            CompletenessRule(
                service_line="cardiology",
                version=1,
                items=[{"field": "icd10_codes"}, {"field": "reason"}, {"field": "payer_name"}],
            )
        )

    spent: list[float] = []
    original = intake.on_intake

    async def timed(session, referral, *, actor):
        start = time.process_time()
        await original(session, referral, actor=actor)
        spent.append(time.process_time() - start)

    parts: dict[str, list[float]] = {"routing": [], "completeness": [], "clock": []}

    def timing(module, name: str, part: str) -> None:
        inner = getattr(module, name)

        async def wrapper(*a, **kw):
            start = time.process_time()
            try:
                return await inner(*a, **kw)
            finally:
                parts[part].append(time.process_time() - start)

        setattr(module, name, wrapper)

    timing(routing, "route", "routing")
    timing(completeness, "check_at_intake", "completeness")
    timing(sla, "start_clock", "clock")
    intake.on_intake = timed  # the referral service calls it through the module
    hook_ms, create_ms = [], []
    part_ms: dict[str, list[float]] = {k: [] for k in parts}
    for _ in range(args.rounds):
        spent.clear()
        for values in parts.values():
            values.clear()
        start = time.process_time()
        for _ in range(args.n):
            async with unit_of_work() as session:
                await service.create_referral(
                    session, data=ReferralCreate.model_validate(referral_payload()), actor="bench"
                )
        total = time.process_time() - start
        hook_ms.append(1000 * sum(spent) / args.n)
        for name, values in parts.items():
            part_ms[name].append(1000 * sum(values) / args.n)
        create_ms.append(1000 * total / args.n)
    print(
        f"journey hook CPU per intake: median {statistics.median(hook_ms):.2f} ms "
        f"(min {min(hook_ms):.2f}, max {max(hook_ms):.2f}) over {args.rounds} rounds of {args.n}"
    )
    for name, values in part_ms.items():
        print(
            f"  of which {name}: median {statistics.median(values):.2f} ms"
            f" (min {min(values):.2f}, max {max(values):.2f})"
        )
    routing_and_completeness = [r + c for r, c in zip(part_ms["routing"], part_ms["completeness"], strict=False)]
    print(f"routing + completeness: median {statistics.median(routing_and_completeness):.2f} ms per intake")
    print(
        f"whole create (service + commit) CPU per intake: median {statistics.median(create_ms):.2f} ms "
        f"(min {min(create_ms):.2f}, max {max(create_ms):.2f})"
    )
    print(f"share of the create: {statistics.median(hook_ms) / statistics.median(create_ms):.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rules", type=int, default=20)
    args = parser.parse_args()
    rebuild()
    sys.path.insert(0, str(ROOT))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
