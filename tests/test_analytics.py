"""GET /v1/analytics/summary against a small hand-built dataset; every expected figure is worked out by hand.

Period P = [2026-03-02, 2026-03-16): week 1 starts Monday 2 March, week 2 Monday 9 March.

 ref  received (08:00)  provider  line         status      1st contact  appointments (in order created)             completed -> closed
 r1   Mon 2 Mar         A         cardiology   closed      +2 h         start +4 d fulfilled                         6 Mar 10:00 -> 7 Mar 10:00 (24 h)
 r2   Tue 3 Mar         A         cardiology   completed   +4 h         start +10 d fulfilled                        13 Mar 10:00
 r3   Wed 4 Mar         A         cardiology   cancelled   +6 h         start +16 d cancelled; start +6 d noshow    (leakage reason no_show)
 r4   Thu 5 Mar         B         orthopedics  declined    -            -                                            (out_of_network)
 r5   Fri 6 Mar         B         orthopedics  cancelled   +10 h        -                                            (patient_unreachable)
 r6   Mon 9 Mar         B         orthopedics  closed      +1 h         start +1 d noshow; start +3 d fulfilled      12 Mar 09:00 -> 12 Mar 21:00 (12 h)
 r7   Tue 10 Mar        -         cardiology   scheduled   +3 h         start +7 d booked                            (urgency urgent)
 r8   Wed 11 Mar        A         cardiology   received    -            -
 r9   Thu 12 Mar        A         cardiology   declined    -            -                                            (misdirected, fax)
 r10  Sun 15 Mar 23:59  B         orthopedics  accepted    +8 h         -                                            (last second of P)
 r11  Fri 27 Feb        A         cardiology   completed   +1 h         start 5 Mar fulfilled                        5 Mar 10:00 (received before P)
 r12  Mon 16 Mar 00:00  A         cardiology   received    -            -                                            (the exclusive end of P)
r6 and r10 prefer location "Northside"; r5 is medicare.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.providers.models import Organization, Provider
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Appointment
from tests.factories import make_referral

URL = "/v1/analytics/summary"
P = {"from": "2026-03-02", "to": "2026-03-16"}


def at(day: int, hour: int = 8, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


async def _referral(
    session: AsyncSession,
    *,
    received: datetime,
    status: S,
    reason: str | None = None,
    contact_h: float | None = None,
    completed: datetime | None = None,
    closed: datetime | None = None,
    appointments: tuple[tuple[float, str], ...] = (),
    **fields,
):
    r = await make_referral(session, status=status, **fields)
    # Milestones stamped "now" by the factory's moves are replaced by the dataset's own.
    r.received_at = received
    r.first_contact_at = received + timedelta(hours=contact_h) if contact_h is not None else None
    r.completed_at, r.closed_at = completed, closed
    if reason:
        r.status_reason = reason
    for n, (start_days, appt_status) in enumerate(appointments):
        session.add(
            Appointment(
                referral_id=r.id,
                status=appt_status,
                start=received + timedelta(days=start_days),
                created_at=received + timedelta(hours=1 + n),
            )
        )
    await session.flush()
    return r


@pytest.fixture
async def data(session: AsyncSession) -> SimpleNamespace:
    org = Organization(name="Harbor Family Practice", kind="practice")
    a = Provider(given_name="Ana", family_name="Ruiz")
    b = Provider(given_name="Ben", family_name="Okafor")
    session.add_all([org, a, b])
    await session.flush()
    ref: dict[str, Any] = {"referring_provider_id": str(a.id), "referring_organization_id": str(org.id)}
    ortho: dict[str, Any] = {"referring_provider_id": str(b.id), "service_line": "orthopedics"}
    await _referral(
        session,
        received=at(2),
        status=S.closed,
        contact_h=2,
        completed=at(6, 10),
        closed=at(7, 10),
        appointments=((4, "fulfilled"),),
        **ref,
    )
    await _referral(
        session,
        received=at(3),
        status=S.completed,
        contact_h=4,
        completed=at(13, 10),
        appointments=((10, "fulfilled"),),
        **ref,
    )
    await _referral(
        session,
        received=at(4),
        status=S.cancelled,
        reason="no_show",
        contact_h=6,
        appointments=((16, "cancelled"), (6, "noshow")),
        **ref,
    )
    await _referral(session, received=at(5), status=S.declined, reason="out_of_network", **ortho)
    await _referral(
        session,
        received=at(6),
        status=S.cancelled,
        reason="patient_unreachable",
        contact_h=10,
        payer_class="medicare",
        **ortho,
    )
    await _referral(
        session,
        received=at(9),
        status=S.closed,
        contact_h=1,
        completed=at(12, 9),
        closed=at(12, 21),
        appointments=((1, "noshow"), (3, "fulfilled")),
        location_preference="Northside",
        **ortho,
    )
    await _referral(
        session, received=at(10), status=S.scheduled, contact_h=3, urgency="urgent", appointments=((7, "booked"),)
    )
    await _referral(session, received=at(11), status=S.received, **ref)
    await _referral(session, received=at(12), status=S.declined, reason="misdirected", source_channel="fax", **ref)
    await _referral(
        session, received=at(15, 23, 59, 59), status=S.accepted, contact_h=8, location_preference="Northside", **ortho
    )
    await _referral(
        session,
        received=at(27, month=2),
        status=S.completed,
        contact_h=1,
        completed=at(5, 10),
        appointments=((6, "fulfilled"),),
        **ref,
    )
    await _referral(session, received=at(16, 0), status=S.received, **ref)
    return SimpleNamespace(a=a, b=b, org=org)


def rate(body: dict, name: str) -> tuple[int, int, float | None]:
    return body[name]["count"], body[name]["of"], body[name]["rate"]


def duration(body: dict, name: str) -> tuple[int, float | None, float | None]:
    d = body[name]
    return d["count"], d["median"], d["p90"]


def reasons(body: dict, name: str) -> dict[str, int]:
    return {item["reason"]: item["count"] for item in body[name] if item["count"]}


async def test_totals_follow_the_metric_definitions(client, data):
    response = await client.get(URL, params=P)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-02T00:00:00Z", "2026-03-16T00:00:00Z")
    t = body["totals"]
    # r1..r10; r11 (received before P, completed inside it) and r12 (received at `to`) are out.
    assert t["volume"] == 10
    # completed now or later: r1, r2 (completed), r6 (closed) -> 3/10
    assert rate(t, "conversion") == (3, 10, 3 / 10)
    # cancelled: r3 (no_show), r5 (patient_unreachable) -> 2/10
    assert rate(t, "leakage") == (2, 10, 2 / 10)
    assert reasons(t, "leakage_reasons") == {"no_show": 1, "patient_unreachable": 1}
    assert {i["reason"]: i["rate"] for i in t["leakage_reasons"]}["no_show"] == 1 / 10
    # declined: r4 (out_of_network), r9 (misdirected) -> 2/10
    assert rate(t, "decline") == (2, 10, 2 / 10)
    assert reasons(t, "decline_reasons") == {"out_of_network": 1, "misdirected": 1}
    # first contact hours, sorted: 1 2 3 4 6 8 10 (n=7). median = 4th = 4.
    # p90: position 0.9*(7-1) = 5.4 -> 8 + 0.4*(10-8) = 8.8
    assert duration(t, "time_to_first_contact_hours") == (7, 4.0, pytest.approx(8.8))
    # first booked (earliest created) appointment, days: r1 4, r2 10, r3 16 (its first one, later cancelled,
    # not its earlier-starting second one), r6 1, r7 7 -> 1 4 7 10 16; median 7; p90: 0.9*4 = 3.6 -> 10 + 0.6*6 = 13.6
    assert duration(t, "time_to_appointment_days") == (5, 7.0, pytest.approx(13.6))
    # appointments ending noshow / (fulfilled or noshow): noshow r3, r6 = 2; fulfilled r1, r2, r6 = 3 -> 2/5
    # (r3's cancelled one and r7's booked one do not count; r11's fulfilled one is out of P)
    assert rate(t, "no_show") == (2, 5, 2 / 5)
    # closed / completed: r1, r6 / r1, r2, r6 -> 2/3
    assert rate(t, "loop_closure") == (2, 3, 2 / 3)
    # completed -> closed hours: r1 24, r6 12; median 18; p90 = 12 + 0.9*(24-12) = 22.8
    assert duration(t, "loop_closure_time_hours") == (2, 18.0, pytest.approx(22.8))
    assert body["series"] == [] and body["group_by"] is None


async def test_pipeline_counts_and_top_referrers(client, data):
    body = (await client.get(URL, params=P)).json()
    counts = {item["status"]: item["count"] for item in body["status_counts"]}
    assert counts == {
        "received": 1,
        "needs_info": 0,
        "accepted": 1,
        "scheduled": 1,
        "completed": 1,
        "closed": 2,
        "declined": 2,
        "cancelled": 2,
    }
    top = [(r["referring_provider_id"], r["name"], r["volume"], r["conversion"]["rate"]) for r in body["top_referrers"]]
    # A: r1 r2 r3 r8 r9 = 5, converted r1 r2 -> 2/5; B: r4 r5 r6 r10 = 4, converted r6 -> 1/4; r7 has no referrer
    assert top == [(str(data.a.id), "Ana Ruiz", 5, 2 / 5), (str(data.b.id), "Ben Okafor", 4, 1 / 4)]
    only_one = (await client.get(URL, params={**P, "top": 1})).json()["top_referrers"]
    assert [r["referring_provider_id"] for r in only_one] == [str(data.a.id)]


async def test_week_grouping_buckets_by_received_week(client, data):
    body = (await client.get(URL, params={**P, "group_by": "week"})).json()
    assert [(b["start"], b["end"]) for b in body["series"]] == [
        ("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"),
        ("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"),
    ]
    w1, w2 = body["series"]
    assert body["totals"]["volume"] == w1["volume"] + w2["volume"] == 10
    # week 1: r1..r5
    assert w1["volume"] == 5
    assert rate(w1, "conversion") == (2, 5, 2 / 5)  # r1, r2
    assert rate(w1, "leakage") == (2, 5, 2 / 5)  # r3, r5
    assert rate(w1, "decline") == (1, 5, 1 / 5)  # r4
    # contact 2 4 6 10: median (4+6)/2 = 5; p90: 0.9*3 = 2.7 -> 6 + 0.7*4 = 8.8
    assert duration(w1, "time_to_first_contact_hours") == (4, 5.0, pytest.approx(8.8))
    # appointment days 4 10 16: median 10; p90: 0.9*2 = 1.8 -> 10 + 0.8*6 = 14.8
    assert duration(w1, "time_to_appointment_days") == (3, 10.0, pytest.approx(14.8))
    assert rate(w1, "no_show") == (1, 3, 1 / 3)  # r3 noshow; r1, r2 fulfilled
    assert rate(w1, "loop_closure") == (1, 2, 1 / 2)  # r1 closed of r1, r2 completed
    # week 2: r6..r10 (r10 at Sunday 23:59:59 still belongs to it)
    assert w2["volume"] == 5
    assert rate(w2, "conversion") == (1, 5, 1 / 5)  # r6
    assert rate(w2, "leakage") == (0, 5, 0.0)
    assert rate(w2, "decline") == (1, 5, 1 / 5)  # r9
    # contact 1 3 8: median 3; p90: 0.9*2 = 1.8 -> 3 + 0.8*5 = 7
    assert duration(w2, "time_to_first_contact_hours") == (3, 3.0, pytest.approx(7.0))
    # appointment days 1 7: median 4; p90: 1 + 0.9*6 = 6.4
    assert duration(w2, "time_to_appointment_days") == (2, 4.0, pytest.approx(6.4))
    assert rate(w2, "no_show") == (1, 2, 1 / 2)  # r6: one noshow, one fulfilled
    assert rate(w2, "loop_closure") == (1, 1, 1.0)
    assert duration(w2, "loop_closure_time_hours") == (1, 12.0, 12.0)


async def test_month_grouping_lists_every_month_touching_the_period(client, data):
    body = (await client.get(URL, params={"from": "2026-02-20", "to": "2026-04-10", "group_by": "month"})).json()
    assert [(b["start"], b["volume"]) for b in body["series"]] == [
        # February: r11; March: r1..r10 and r12 (now inside the period); April: none
        ("2026-02-01T00:00:00Z", 1),
        ("2026-03-01T00:00:00Z", 11),
        ("2026-04-01T00:00:00Z", 0),
    ]
    feb, _, april = body["series"]
    assert rate(feb, "conversion") == (1, 1, 1.0)
    assert april["conversion"]["rate"] is None and april["no_show"]["rate"] is None


async def test_referral_received_before_the_period_is_left_out_even_if_completed_inside_it(client, data):
    # r11 was received 27 Feb and completed 5 Mar; r1 and r2 are the only referrals received in [1 Mar, 4 Mar)
    # (r3 arrives 4 Mar 08:00, at the end) and r2 completes after the period: it still counts.
    body = (await client.get(URL, params={"from": "2026-03-01", "to": "2026-03-04T08:00:00Z"})).json()
    assert body["totals"]["volume"] == 2
    assert rate(body["totals"], "conversion") == (2, 2, 1.0)
    # r11's fulfilled appointment (5 Mar) is not counted either: only r1's and r2's -> 0/2
    assert rate(body["totals"], "no_show") == (0, 2, 0.0)


@pytest.mark.parametrize(
    ("params", "volume", "converted"),
    [
        ({"service_line": "orthopedics"}, 4, 1),  # r4 r5 r6 r10; r6 completed
        ({"urgency": "urgent"}, 1, 0),  # r7
        ({"location": "Northside"}, 2, 1),  # r6 r10
        ({"payer_class": "medicare"}, 1, 0),  # r5
        ({"source_channel": "fax"}, 1, 0),  # r9
        ({"service_line": ["orthopedics", "cardiology"]}, 10, 3),  # repeated: either line
    ],
)
async def test_each_filter_narrows_the_referrals(client, data, params, volume, converted):
    body = (await client.get(URL, params={**P, **params})).json()
    assert rate(body["totals"], "conversion") == (converted, volume, converted / volume)


async def test_referrer_filters_combine_with_each_other(client, data):
    both = (await client.get(URL, params={**P, "referring_provider_id": [str(data.a.id), str(data.b.id)]})).json()
    assert both["totals"]["volume"] == 9  # all but r7, which has no referrer
    org = (await client.get(URL, params={**P, "referring_organization_id": str(data.org.id)})).json()
    # provider A's referrals carry the organization: r1 r2 r3 r8 r9; cancelled r3 -> leakage 1/5
    assert org["totals"]["volume"] == 5 and rate(org["totals"], "leakage") == (1, 5, 1 / 5)
    narrow = (
        await client.get(URL, params={**P, "referring_provider_id": str(data.b.id), "location": "Northside"})
    ).json()
    assert narrow["totals"]["volume"] == 2  # r6 r10
    # the urgent referral has only a booked appointment: no appointment ended, so the no-show rate is null, not 0
    urgent = (await client.get(URL, params={**P, "urgency": "urgent"})).json()["totals"]
    assert rate(urgent, "no_show") == (0, 0, None)
    assert duration(urgent, "time_to_appointment_days") == (1, 7.0, 7.0)


async def test_empty_period_has_zero_volume_and_null_rates(client, data):
    body = (await client.get(URL, params={"from": "2025-01-06", "to": "2025-01-20", "group_by": "week"})).json()
    t = body["totals"]
    assert t["volume"] == 0
    for name in ("conversion", "leakage", "decline", "no_show", "loop_closure"):
        assert rate(t, name) == (0, 0, None), name
    for name in ("time_to_first_contact_hours", "time_to_appointment_days", "loop_closure_time_hours"):
        assert duration(t, name) == (0, None, None), name
    assert all(item["rate"] is None for item in t["leakage_reasons"])
    assert [b["volume"] for b in body["series"]] == [0, 0]
    assert body["top_referrers"] == [] and all(item["count"] == 0 for item in body["status_counts"])


async def test_default_period_is_the_last_90_days(client, session):
    await make_referral(session)  # received now
    body = (await client.get(URL)).json()
    start, end = (datetime.fromisoformat(body[k]) for k in ("from", "to"))
    assert end - start == timedelta(days=90)
    assert abs((end - datetime.now(UTC)).total_seconds()) < 60
    assert body["totals"]["volume"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-16", "to": "2026-03-16"}, "query.from"),
        ({"from": "2026-03-17", "to": "2026-03-16"}, "query.from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "query.from"),
        ({"group_by": "day"}, "query.group_by"),
        ({"to": "0001-01-02"}, "query.to"),
        ({"from": "9999-12-01", "to": "9999-12-31", "group_by": "month"}, "query.from"),
        ({"from": "2026-02-30"}, "query.from"),
        ({"urgency": "whenever"}, "query.urgency.0"),
        ({"referring_provider_id": "not-a-uuid"}, "query.referring_provider_id.0"),
        ({"service_line": "cardio\x00logy"}, "query.service_line"),
        ({"location": ["North", "\x00"]}, "query.location.1"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(client, params, field):
    response = await client.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_summary_follows_changes_made_through_the_api(client, session):
    # The figures come from a fact table kept by triggers: drive a referral through the real API and watch them.
    now = datetime.now(UTC)
    # Received a week ago, so both appointments have happened: nobody can be seen (or missed) in advance.
    received = now - timedelta(days=7)
    window = {"from": (received - timedelta(days=1)).isoformat(), "to": (now + timedelta(minutes=5)).isoformat()}
    created = (
        await client.post(
            "/v1/referrals",
            json={
                "patient": {"given_name": "Ida", "family_name": "Berg", "birth_date": "1950-02-03"},
                "service_line": "neurology",
                "referral_source": "physician",
                "received_at": received.isoformat(),
            },
        )
    ).json()
    for to in ("accepted", "scheduled"):
        moved = await client.post(f"/v1/referrals/{created['id']}/transitions", json={"to": to})
        assert moved.status_code == 200, moved.text

    async def book(start: datetime) -> Appointment:
        appointment = Appointment(referral_id=created["id"], status="booked", start=start)
        session.add(appointment)
        await session.flush()
        return appointment

    async def mark(appointment: Appointment, status: str) -> None:
        response = await client.patch(
            f"/v1/appointments/{appointment.id}",
            json={"status": status},
            headers={"If-Match": f'"{appointment.version}"'},
        )
        assert response.status_code == 200, response.text

    missed = await book(received + timedelta(days=3))
    kept = await book(received + timedelta(days=5))
    await mark(missed, "noshow")
    await mark(kept, "fulfilled")  # the referral is now completed
    body = (await client.get(URL, params={**window, "service_line": "neurology"})).json()["totals"]
    assert body["volume"] == 1
    assert rate(body, "conversion") == (1, 1, 1.0)
    assert rate(body, "no_show") == (1, 2, 1 / 2)
    # the first booked appointment is the one that was missed: ~3 days after receipt
    count, median, _ = duration(body, "time_to_appointment_days")
    assert count == 1 and median == pytest.approx(3, abs=0.01)
    assert body["time_to_first_contact_hours"]["count"] == 1  # scheduling counts as first contact

    referral = (await client.get(f"/v1/referrals/{created['id']}")).json()
    moved = await client.patch(
        f"/v1/referrals/{created['id']}",
        json={"service_line": "rheumatology"},
        headers={"If-Match": f'"{referral["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    assert (await client.get(URL, params={**window, "service_line": "neurology"})).json()["totals"]["volume"] == 0
    assert (await client.get(URL, params={**window, "service_line": "rheumatology"})).json()["totals"]["volume"] == 1
