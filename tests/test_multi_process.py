"""Several processes, one truth: 2 API servers and 2 arq workers on one PostgreSQL and one Redis.

500 referrals go in through both APIs (50 of them resends of one FHIR identifier, split between the
two), transitions and edits race on the same referrals from both, and both workers run the same
sweep at once. Afterwards: one referral per identifier, no lost update, every message sent once
with its stable id, and each sweep's message queued once.
"""

import asyncio
import time
from collections import Counter

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.cluster import cluster, staff_token
from bench.outreach_support import fresh_database
from integrations.email.sink import start_sink
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.fhir_examples import service_request

MAIL_DOMAIN = "refloop.local"
DISTINCT = 450
RESENDS = 50
RACED = 40
PROVIDERS = 20


def referral(n: int, provider_id: str) -> dict:
    return {
        "patient": {"given_name": "Maria", "family_name": f"Lopez{n}", "birth_date": "1968-04-12", "mrn": f"M{n:07d}"},
        "service_line": "cardiology",
        "referral_source": "physician",
        "referring_provider_id": provider_id,
    }


async def scalar_rows(db_url: str, sql: str, **params) -> list:
    engine = create_async_engine(db_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def add_providers(db_url: str) -> list[str]:
    """Referrers with an e-mail address, each due a check-in (the sweep the workers race on)."""
    from bench.outreach_support import _units
    from domain.outreach.models import OutreachPreference
    from domain.providers.models import Provider

    engine = create_async_engine(db_url, pool_size=1)
    async with _units(engine)() as session:
        providers = [
            Provider(
                given_name="Anna",
                family_name=f"Reyes{i}",
                prefix="Dr.",
                credentials=["MD"],
                contact_points=[{"system": "email", "value": f"referrer{i}@clinic.example"}],
            )
            for i in range(PROVIDERS)
        ]
        session.add_all(providers)
        await session.flush()
        session.add_all([OutreachPreference(provider_id=p.id, check_in_days=30) for p in providers])
        ids = [str(p.id) for p in providers]
    await engine.dispose()
    return ids


async def wait_for(predicate, *, seconds: float, every: float = 0.5):
    deadline = time.monotonic() + seconds
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


async def test_two_apis_and_two_workers_keep_one_truth():
    name = TEST_DATABASE_URL.rsplit("/", 1)[-1] + "_multi"
    db_url = await fresh_database(name)
    provider_ids = await add_providers(db_url)
    controller, inbox = start_sink()
    token = staff_token(db_url)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with cluster(
            db_url=db_url,
            redis_url=TEST_REDIS_URL,
            smtp_port=controller.port,
            queue=f"{name}:outbox",
            OUTBOX_RETRY_BASE_SECONDS="0.5",
        ) as running:
            # Idle connections are dropped after 2 s, before uvicorn closes them at 5 s: reusing one the server
            # is closing at that moment fails the request with a ReadError that says nothing of the API.
            keepalive = httpx.Limits(keepalive_expiry=2.0)
            clients = [
                httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=keepalive) for base in running.apis
            ]
            try:
                await _run(clients, provider_ids, running.env)
                await _check(db_url, inbox)
            finally:
                for client in clients:
                    await client.aclose()
    finally:
        controller.stop()


async def _run(clients, provider_ids, env) -> None:
    gate = asyncio.Semaphore(24)

    async def call(i: int, method: str, url: str, **kwargs) -> httpx.Response:
        async with gate:
            return await clients[i % 2].request(method, url, **kwargs)

    # 450 distinct referrals and 50 resends of one FHIR ServiceRequest, interleaved, through both APIs.
    resent = service_request(identifier=[{"system": "urn:ehr:orders", "value": "ORD-MULTI-1"}])
    jobs = [call(n, "POST", "/v1/referrals", json=referral(n, provider_ids[n % PROVIDERS])) for n in range(DISTINCT)]
    jobs += [
        call(n, "POST", "/fhir/R4/ServiceRequest", json=resent, headers={"Content-Type": "application/fhir+json"})
        for n in range(RESENDS)
    ]
    order = sorted(range(len(jobs)), key=lambda k: (k * 7919) % len(jobs))
    answers = await asyncio.gather(*(jobs[k] for k in order))
    by_job = dict(zip(order, answers, strict=False))
    created = [by_job[k] for k in range(DISTINCT)]
    fhir = [by_job[k] for k in range(DISTINCT, DISTINCT + RESENDS)]
    assert Counter(r.status_code for r in created) == {201: DISTINCT}, [
        r.text for r in created if r.status_code != 201
    ][:3]
    assert {r.status_code for r in fhir} <= {200, 201}, [r.text for r in fhir if r.status_code >= 300][:3]
    assert len({r.json()["id"] for r in fhir}) == 1, "every resend answers with the same referral"

    # Races on the same referrals, each contender through either API with the same ETag:
    # two transitions (accept vs needs-info) and two edits of different fields.
    raced = [r.json() for r in created[:RACED]]
    contenders = []
    for i, ref in enumerate(raced):
        etag = f'"{ref["version"]}"'
        url = f"/v1/referrals/{ref['id']}"
        contenders += [
            call(i, "POST", f"{url}/transitions", json={"to": "accepted"}, headers={"If-Match": etag}),
            call(i + 1, "POST", f"{url}/transitions", json={"to": "needs_info"}, headers={"If-Match": etag}),
            call(i, "PATCH", url, json={"reason": f"edited by A {i}"}, headers={"If-Match": etag}),
            call(
                i + 1,
                "PATCH",
                url,
                json={"service_line": "neurology" if ref["service_line"] != "neurology" else "cardiology"},
                headers={"If-Match": etag},
            ),
        ]
    results = await asyncio.gather(*contenders)
    for i, ref in enumerate(raced):
        group = results[4 * i : 4 * i + 4]
        winners = [r for r in group if r.status_code == 200]
        assert len(winners) == 1, [(r.status_code, r.text[:120]) for r in group]
        assert {r.status_code for r in group if r.status_code != 200} <= {409, 412}, [r.text[:200] for r in group]
        final = (await clients[i % 2].get(f"/v1/referrals/{ref['id']}")).json()
        won = winners[0].json()
        # The stored row is exactly the winner's: nothing a loser sent slipped in.
        assert final["version"] == ref["version"] + 1 == won["version"]
        assert (final["status"], final["reason"], final["service_line"]) == (
            won["status"],
            won["reason"],
            won["service_line"],
        )
        changed = sum(
            [
                final["status"] != ref["status"],
                final["reason"] != ref["reason"],
                final["service_line"] != ref["service_line"],
            ]
        )
        assert changed == 1

    # Both workers run the same sweep at the same moment, twice each.
    from arq.connections import RedisSettings, create_pool

    redis = await create_pool(RedisSettings.from_dsn(env["REDIS_URL"]), default_queue_name=env["OUTBOX_QUEUE_NAME"])
    try:
        for _ in range(4):
            await redis.enqueue_job("cron:referrer_check_ins")
    finally:
        await redis.aclose()


async def _check(db_url: str, inbox) -> None:
    [(identifiers,)] = await scalar_rows(
        db_url, "select count(*) from referrals where source_identifier = :value", value="ORD-MULTI-1"
    )
    referral_count = (await scalar_rows(db_url, "select count(*) from referrals"))[0][0]
    assert referral_count == DISTINCT + 1, "450 referrals and one for the 50 resends"
    assert identifiers == 1

    check_ins = await wait_for(
        lambda: scalar_rows(
            db_url, "select recipient_id, count(*) from outbox_messages where kind = 'check_in' group by recipient_id"
        ),
        seconds=60,
    )
    assert len(check_ins) == PROVIDERS and all(n == 1 for _, n in check_ins), check_ins

    async def settled():
        rows = await scalar_rows(db_url, "select status, count(*) from outbox_messages group by status")
        counts = dict(rows)
        return counts if set(counts) <= {"sent", "suppressed", "failed"} else None

    counts = await wait_for(settled, seconds=300, every=1)
    assert counts, await scalar_rows(db_url, "select status, count(*) from outbox_messages group by status")
    sent = await scalar_rows(db_url, "select id, kind from outbox_messages where status = 'sent' and channel = 'email'")
    expected = {f"<{row[0]}@{MAIL_DOMAIN}>" for row in sent}
    kinds = Counter(kind for _, kind in sent)
    # Every created referral acknowledged, each referrer thanked once, each winning move reported once.
    assert (
        kinds["acknowledgement"] == DISTINCT and kinds["thank_you"] == PROVIDERS and kinds["check_in"] == PROVIDERS
    ), kinds
    received = Counter(inbox.ids())
    assert set(received) == expected, (len(received), len(expected))
    assert all(n == 1 for n in received.values()), [i for i, n in received.items() if n > 1][:5]
