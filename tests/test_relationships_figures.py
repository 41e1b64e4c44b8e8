"""Referrer figures computed by hand from small scripted histories (DESIGN.md, relationship definitions)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.relationships import snapshot
from tests.history import load, make_referrer, row

D = date(2025, 6, 15)  # as of this day: everything received before 2025-06-16T00:00Z counts
END = datetime(2025, 6, 16, tzinfo=UTC)


def at(text: str) -> str:
    return text if "T" in text else text + "T12:00:00Z"


async def _referrers(client, **params) -> dict[str, dict]:
    response = await client.get("/v1/referrers", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return {item["provider_id"]: item for item in response.json()["items"]}


async def test_segments_on_boundary_days(client, session):
    people = {
        name: (await make_referrer(session))[0]
        for name in ("new", "just_not_new", "loyal", "four_months", "occasional_edge", "lapsed")
    }
    rows = [
        row(people["new"].npi, "2025-03-18T00:00:00Z"),  # exactly 90 days before END
        row(people["just_not_new"].npi, "2025-03-17T23:59:59Z"),
        # Loyal: 5 of the 6 full months before June (Dec..May); first referral long before.
        *[
            row(people["loyal"].npi, at(d))
            for d in ("2024-10-01", "2024-12-31", "2025-01-15", "2025-02-15", "2025-03-15", "2025-05-31T23:59:59Z")
        ],
        # Four months only (a June referral is D's month, not a full month before it).
        *[
            row(people["four_months"].npi, at(d))
            for d in ("2024-10-01", "2025-01-15", "2025-02-15", "2025-03-15", "2025-04-15", "2025-06-01T00:00:00Z")
        ],
        row(people["occasional_edge"].npi, "2024-10-01T12:00:00Z"),
        row(people["occasional_edge"].npi, "2024-12-18T00:00:00Z"),  # exactly 180 days before END
        row(people["lapsed"].npi, "2024-10-01T12:00:00Z"),
        row(people["lapsed"].npi, "2024-12-17T23:59:59Z"),
    ]
    await load(session, rows)
    await snapshot.refresh(session, as_of=D)
    got = await _referrers(client)
    assert {name: got[str(p.id)]["segment"] for name, p in people.items()} == {
        "new": "new",
        "just_not_new": "occasional",
        "loyal": "loyal",
        "four_months": "occasional",
        "occasional_edge": "occasional",
        "lapsed": "lapsed",
    }
    filtered = await _referrers(client, segment="loyal")
    assert list(filtered) == [str(people["loyal"].id)]


def _completed(npi: str, received: str) -> dict:
    return row(npi, received, status="completed", appointment_date=received[:10], completion_date=received[:10])


async def test_percentiles_scores_and_tiers_with_ties(client, session):
    a, b, c, d, old = [(await make_referrer(session))[0] for _ in range(5)]
    recent, earlier = "2025-05-01T12:00:00Z", "2024-10-01T12:00:00Z"  # within / before the last 182 days
    rows = [
        # volume 4, conversion 0.5, growth 2/2 = 1
        _completed(a.npi, recent),
        row(a.npi, recent),
        _completed(a.npi, earlier),
        row(a.npi, earlier),
        # volume 2, conversion 1, growth 2/0 = ranks first
        _completed(b.npi, recent),
        _completed(b.npi, recent),
        # volume 2, conversion 0, growth 1/1 = 1
        row(c.npi, recent),
        row(c.npi, earlier),
        # volume 1, conversion 1, growth 0/1 = 0
        _completed(d.npi, earlier),
        # no referral in the 365 days before D: not active, no score
        row(old.npi, "2024-06-01T12:00:00Z"),
    ]
    await load(session, rows)
    await snapshot.refresh(session, as_of=D)
    got = await _referrers(client)
    # volume pct (mean kind): 87.5, 50, 50, 12.5; conversion: 37.5, 75, 12.5, 75; growth: 50, 87.5, 50, 12.5;
    # strategic share: all 0 (no strategic lines), so 50 each.
    expected = {
        a: 0.4 * 87.5 + 0.3 * 37.5 + 0.2 * 50 + 5,
        b: 0.4 * 50 + 0.3 * 75 + 0.2 * 87.5 + 5,
        c: 0.4 * 50 + 0.3 * 12.5 + 0.2 * 50 + 5,
        d: 0.4 * 12.5 + 0.3 * 75 + 0.2 * 12.5 + 5,
    }
    for provider, score in expected.items():
        assert got[str(provider.id)]["score"] == pytest.approx(score)
    assert [got[str(p.id)]["tier"] for p in (a, b, c, d)] == ["B", "B", "C", "C"]
    assert got[str(old.id)]["score"] is None and got[str(old.id)]["tier"] is None
    assert got[str(old.id)]["segment"] == "lapsed"

    # Weights are settings: all on volume, the two tied at the 50th percentile are both exactly tier B.
    saved = await client.put(
        "/v1/settings/relationships",
        json={"weights": {"volume": 1, "conversion": 0, "growth": 0, "strategic": 0}, "strategic_service_lines": []},
    )
    assert saved.status_code == 200, saved.text
    await snapshot.refresh(session, as_of=D)
    got = await _referrers(client)
    assert [(got[str(p.id)]["score"], got[str(p.id)]["tier"]) for p in (a, b, c, d)] == [
        (87.5, "A"),
        (50, "B"),
        (50, "B"),
        (12.5, "D"),
    ]


async def test_strategic_share_counts_lines_an_admin_marks(client, session):
    a, b = [(await make_referrer(session))[0] for _ in range(2)]
    await load(
        session,
        [
            row(a.npi, "2025-05-01", service_line="oncology"),
            row(a.npi, "2025-05-02"),
            row(b.npi, "2025-05-01"),
            row(b.npi, "2025-05-02"),
        ],
    )
    assert (
        await client.put(
            "/v1/settings/relationships",
            json={
                "weights": {"volume": 0, "conversion": 0, "growth": 0, "strategic": 1},
                "strategic_service_lines": ["oncology"],
            },
        )
    ).status_code == 200
    await snapshot.refresh(session, as_of=D)
    got = await _referrers(client)
    assert (got[str(a.id)]["score"], got[str(b.id)]["score"]) == (75, 25)  # shares 0.5 and 0


async def test_weights_must_sum_to_one_and_changes_are_audited(client, session, admin_user):
    bad = await client.put(
        "/v1/settings/relationships",
        json={
            "weights": {"volume": 0.5, "conversion": 0.3, "growth": 0.2, "strategic": 0.1},
            "strategic_service_lines": [],
        },
    )
    assert bad.status_code == 422 and "sum to 1" in bad.text
    first = await client.get("/v1/settings/relationships")
    assert first.json()["weights"] == {"volume": 0.4, "conversion": 0.3, "growth": 0.2, "strategic": 0.1}
    body = {
        "weights": {"volume": 0.25, "conversion": 0.25, "growth": 0.25, "strategic": 0.25},
        "strategic_service_lines": ["cardiology"],
    }
    saved = await client.put("/v1/settings/relationships", json=body, headers={"If-Match": first.headers["ETag"]})
    assert saved.status_code == 200
    stale = await client.put("/v1/settings/relationships", json=body, headers={"If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    fees = await client.put(
        "/v1/settings/fee-schedule",
        json={"entries": [{"service_line": "cardiology", "payer_class": "commercial", "amount": 300}]},
    )
    assert fees.status_code == 200
    actions = (
        await session.execute(
            select(AuditEvent.action, AuditEvent.actor).where(
                AuditEvent.action.in_(["settings.relationships_save", "settings.fee_schedule_save"])
            )
        )
    ).all()
    assert {a for a, _ in actions} == {"settings.relationships_save", "settings.fee_schedule_save"}


async def test_default_period_figures_revenue_and_trend(client, session):
    provider, _ = await make_referrer(session)
    now = datetime.now(UTC)
    day = lambda n: (now - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    date_of = lambda n: (now - timedelta(days=n)).date().isoformat()  # noqa: E731
    assert (
        await client.put(
            "/v1/settings/fee-schedule",
            json={"entries": [{"service_line": "cardiology", "payer_class": "commercial", "amount": 300}]},
        )
    ).status_code == 200
    rows = [
        # Last 90 days: 5 received; 3 reached completed (one closed), one cancelled.
        row(
            provider.npi,
            day(60),
            status="completed",
            appointment_date=date_of(50),
            completion_date=date_of(50),
            actual_revenue="420.50",
        ),
        row(provider.npi, day(40), status="closed", appointment_date=date_of(36), completion_date=date_of(36)),
        row(
            provider.npi,
            day(30),
            status="completed",
            appointment_date=date_of(10),
            completion_date=date_of(10),
            payer_class="medicaid",
        ),
        row(provider.npi, day(20), status="cancelled", status_reason="went_elsewhere"),
        row(provider.npi, day(10)),
        # The 90 before: 2.
        row(provider.npi, day(100)),
        row(provider.npi, day(150)),
    ]
    await load(session, rows)
    got = (await _referrers(client))[str(provider.id)]
    assert (got["volume"], got["prior_volume"]) == (5, 2)
    assert got["trend"] == pytest.approx(5 / 2 - 1)
    assert got["conversion_rate"] == pytest.approx(3 / 5)
    assert got["leakage_rate"] == pytest.approx(1 / 5)
    assert got["loop_closure_rate"] == pytest.approx(1 / 3)
    # Days to appointment, each from received_at to the appointment date's midnight: median of three.
    spans = sorted(
        (
            datetime.fromisoformat(date_of(a) + "T00:00:00+00:00")
            - datetime.fromisoformat(day(r).replace("Z", "+00:00"))
        ).total_seconds()
        / 86400
        for r, a in ((60, 50), (40, 36), (30, 10))
    )
    assert got["median_days_to_appointment"] == pytest.approx(spans[1])
    # Actual revenue when recorded, else the fee schedule; medicaid cardiology is not priced.
    assert got["revenue"] == pytest.approx(420.50 + 300)
    assert sum(got["weekly"]) == 5 and len(got["weekly"]) == 13  # 13 weeks = 91 days: the 100-day-old one is out


async def test_sorting_filters_and_cursor_pages(client, session):
    providers = [(await make_referrer(session))[0] for _ in range(3)]
    rows = [
        row(p.npi, (datetime.now(UTC) - timedelta(days=5)).date())
        for n, p in enumerate(providers)
        for _ in range(n + 1)
    ]
    await load(session, rows)
    first = await client.get("/v1/referrers", params={"limit": 2, "sort": "-volume"})
    assert [i["volume"] for i in first.json()["items"]] == [3, 2]
    second = await client.get(
        "/v1/referrers", params={"limit": 2, "sort": "-volume", "cursor": first.json()["next_cursor"]}
    )
    assert [i["volume"] for i in second.json()["items"]] == [1] and second.json()["next_cursor"] is None
    ascending = await client.get("/v1/referrers", params={"sort": "volume"})
    assert [i["volume"] for i in ascending.json()["items"]] == [1, 2, 3]
    lines = await client.get("/v1/referrers", params={"service_line": "dermatology"})
    assert lines.json()["items"] == []
    bad = await client.get("/v1/referrers", params={"sort": "patient_name"})
    assert bad.status_code == 422


async def test_organizations_roll_up_their_referrers(client, session):
    a, organization = await make_referrer(session)
    b, _ = await make_referrer(session, organization=organization)
    recent = (datetime.now(UTC) - timedelta(days=3)).date()
    await load(session, [row(a.npi, recent), row(a.npi, recent), row(b.npi, recent)])
    response = await client.get("/v1/referring-organizations")
    items = {i["organization_id"]: i for i in response.json()["items"]}
    assert items[str(organization.id)]["volume"] == 3 and items[str(organization.id)]["name"] == organization.name


async def test_concentration_80_20_with_ties(client, session):
    people = [(await make_referrer(session))[0] for _ in range(5)]
    start, end = datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    rows = [
        row(p.npi, "2025-05-10T09:00:00Z") for p, n in zip(people[:4], (3, 3, 3, 1), strict=False) for _ in range(n)
    ]
    rows.append(row(people[4].npi, "2024-12-01T09:00:00Z"))  # active (within 365 days of `to`), not in the period
    await load(session, rows)
    body = (
        await client.get("/v1/analytics/concentration", params={"from": start.isoformat(), "to": end.isoformat()})
    ).json()
    # 10 referrals: 3 + 3 = 6 < 8, 3 + 3 + 3 = 9 >= 8, so three referrers, of five active.
    assert (body["volume"], body["referrers"], body["top_count"], body["active_referrers"]) == (10, 4, 3, 5)
    assert body["top_share_of_active"] == pytest.approx(3 / 5)
    assert [t["volume"] for t in body["top"]] == [3, 3, 3]
    exact = (
        [row(people[0].npi, "2025-07-10T09:00:00Z") for _ in range(5)]
        + [row(people[1].npi, "2025-07-10T09:00:00Z") for _ in range(3)]
        + [row(people[2].npi, "2025-07-10T09:00:00Z"), row(people[3].npi, "2025-07-10T09:00:00Z")]
    )
    await load(session, exact)
    body = (await client.get("/v1/analytics/concentration", params={"from": "2025-07-01", "to": "2025-08-01"})).json()
    assert body["top_count"] == 2  # 5 + 3 is exactly 80% of 10


async def test_scorecard_by_month(client, session):
    provider, _ = await make_referrer(session)
    await load(
        session,
        [
            row(
                provider.npi,
                "2025-01-10T10:00:00Z",
                status="completed",
                appointment_date="2025-01-20",
                completion_date="2025-01-20",
            ),
            row(provider.npi, "2025-01-31T23:00:00Z"),
            row(provider.npi, "2025-03-02T10:00:00Z", status="declined", status_reason="misdirected"),
        ],
    )
    response = await client.get(
        f"/v1/referrers/{provider.id}/scorecard", params={"from": "2025-01-01", "to": "2025-04-01", "group_by": "month"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["figures"]["volume"] == 3 and body["figures"]["conversion_rate"] == pytest.approx(1 / 3)
    assert [(p["month"], p["volume"]) for p in body["series"]] == [
        ("2025-01-01", 2),
        ("2025-02-01", 0),
        ("2025-03-01", 1),
    ]
    assert body["series"][0]["median_days_to_appointment"] == pytest.approx(9 + 14 / 24)
    missing = await client.get("/v1/referrers/00000000-0000-0000-0000-000000000000/scorecard")
    assert missing.status_code == 404


async def test_liaisons_and_analysts_see_figures_without_patient_fields(client_for, session):
    provider, _ = await make_referrer(session)
    await load(session, [row(provider.npi, (datetime.now(UTC) - timedelta(days=2)).date())])
    for role in ("liaison", "analyst"):
        c = await client_for(role)
        listed = await c.get("/v1/referrers")
        assert listed.status_code == 200
        text = listed.text.lower()
        assert "silva" not in text and "patient" not in text and "birth" not in text
        assert (await c.get(f"/v1/referrers/{provider.id}/scorecard")).status_code == 200
        assert (await c.put("/v1/settings/relationships", json={})).status_code == 403
    for kind in ("partner", "intake", "clinician"):
        c = await client_for(kind)
        assert (await c.get("/v1/referrers")).status_code == 403
        assert (await c.get("/v1/analytics/concentration")).status_code == 403


async def test_periods_outside_any_sense_are_a_422_not_a_500(client, session):
    provider, _ = await make_referrer(session)
    for path in (
        "/v1/referrers",
        "/v1/referring-organizations",
        "/v1/analytics/concentration",
        "/v1/analytics/roi",
        f"/v1/referrers/{provider.id}/scorecard",
    ):
        for params in ({"to": "0001-01-02"}, {"from": "9999-12-30"}, {"from": "2025-02-01", "to": "2025-01-01"}):
            response = await client.get(path, params=params)
            assert response.status_code == 422, (path, params, response.text)
