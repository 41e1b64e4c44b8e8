"""SLA clocks through the API: calendars, policies, per-referral clocks, the sla filter and the sweep."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from domain.journey import sweeps
from domain.referrals.models import ReferralEvent
from domain.shared.clock import utcnow
from domain.tasks.models import Task
from tests.factories import referral_payload

ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def _default_calendar(client, **overrides):
    body = {"name": "Round the clock", "time_zone": "UTC", "weekly_hours": ALWAYS_OPEN, "is_default": True, **overrides}
    response = await client.post("/v1/calendars", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _all_week(holidays: list[dict]):
    """The default calendar, open round the clock but on the holidays, as an admin saves it."""
    from domain.journey.schemas import CalendarWrite

    return CalendarWrite(name="all week", time_zone="UTC", weekly_hours=ALWAYS_OPEN, holidays=holidays, is_default=True)


async def _refer(client, hours_ago: float, **overrides):
    received_at = (utcnow() - timedelta(hours=hours_ago)).isoformat()
    response = await client.post("/v1/referrals", json=referral_payload(received_at=received_at, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _sla(client, referral_id):
    body = (await client.get(f"/v1/referrals/{referral_id}")).json()
    return {m["milestone"]: m for m in body["sla"]}


async def test_a_new_calendar_defaults_to_weekday_office_hours(client):
    response = await client.post("/v1/calendars", json={"name": "Clinic", "time_zone": "America/Chicago"})
    assert response.status_code == 201
    assert response.json()["weekly_hours"] == {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert "sat" not in response.json()["weekly_hours"]


async def test_overlapping_holidays_are_refused_naming_them_and_nothing_is_saved(client):
    holidays = [
        {"start": "2026-12-24", "end": "2026-12-26", "name": "Christmas"},
        {"start": "2026-12-26", "name": "Boxing Day"},
    ]
    response = await client.post("/v1/calendars", json={"name": "Overlap", "time_zone": "UTC", "holidays": holidays})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.holidays"
    assert "holidays[1] (Boxing Day" in error["message"] and "overlaps holidays[0] (Christmas" in error["message"]
    assert [c["name"] for c in (await client.get("/v1/calendars")).json()] == []


async def test_bad_calendar_input_names_the_field(client):
    cases = [
        ({"time_zone": "Mars/Olympus"}, "body.time_zone"),
        ({"weekly_hours": {"mon": [["17:00", "08:00"]]}}, "body.weekly_hours.mon"),
        ({"weekly_hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}}, "body.weekly_hours.mon"),
        ({"weekly_hours": {"funday": [["08:00", "12:00"]]}}, "body.weekly_hours.funday"),
        ({"weekly_hours": {}}, "body.weekly_hours"),
    ]
    for change, field in cases:
        response = await client.post("/v1/calendars", json={"name": "Bad", "time_zone": "UTC", **change})
        assert response.status_code == 422, change
        assert response.json()["errors"][0]["field"].startswith(field), response.json()


async def test_replacing_a_calendar_needs_the_current_etag(client):
    calendar = await _default_calendar(client)
    body = {"name": "Renamed", "time_zone": "UTC", "weekly_hours": ALWAYS_OPEN}
    assert (await client.put(f"/v1/calendars/{calendar['id']}", json=body)).status_code == 428
    assert (
        await client.put(f"/v1/calendars/{calendar['id']}", json=body, headers={"If-Match": '"9"'})
    ).status_code == 412
    ok = await client.put(f"/v1/calendars/{calendar['id']}", json=body, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["name"] == "Renamed" and ok.json()["version"] == 2


async def test_only_one_calendar_is_the_default(client):
    first = await _default_calendar(client)
    second = await _default_calendar(client, name="Second")
    calendars = {c["id"]: c["is_default"] for c in (await client.get("/v1/calendars")).json()}
    assert calendars == {first["id"]: False, second["id"]: True}


async def test_sla_policies_start_from_the_defaults_and_can_be_changed(client):
    policies = {p["urgency"]: p for p in (await client.get("/v1/sla-policies")).json()}
    assert policies["stat"]["first_contact"] == {"value": 2, "unit": "hours"}
    assert policies["routine"]["scheduled"] == {"value": 10, "unit": "days"}
    assert all(p["is_default"] for p in policies.values())
    saved = await client.put(
        "/v1/sla-policies/routine",
        json={"first_contact": {"value": 1, "unit": "hours"}, "scheduled": {"value": 3, "unit": "days"}},
    )
    assert saved.status_code == 200 and saved.json()["is_default"] is False
    await _default_calendar(client)
    referral = await _refer(client, hours_ago=0.5)
    clock = await _sla(client, referral["id"])
    assert clock["first_contact"]["target_business_seconds"] == 3600
    assert clock["scheduled"]["target_business_seconds"] == 3 * 86400  # a round-the-clock day is 24 h
    bad = await client.put(
        "/v1/sla-policies/routine",
        json={"first_contact": {"value": 0, "unit": "weeks"}, "scheduled": {"value": 3, "unit": "days"}},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"body.first_contact.value", "body.first_contact.unit"}
    assert (await client.put("/v1/sla-policies/someday", json=saved.json())).status_code == 422


async def test_each_referral_shows_due_time_time_left_and_state_per_milestone(client):
    await _default_calendar(client)
    fresh = await _refer(client, hours_ago=0.25, urgency="stat")
    clock = await _sla(client, fresh["id"])
    assert clock["first_contact"]["state"] == "on_track"
    assert 6000 < clock["first_contact"]["business_seconds_left"] <= 6300
    assert clock["scheduled"]["target_business_seconds"] == 86400
    late = await _refer(client, hours_ago=1.6, urgency="stat")
    assert (await _sla(client, late["id"]))["first_contact"]["state"] == "at_risk"
    breached = await _refer(client, hours_ago=3, urgency="stat")
    clock = await _sla(client, breached["id"])
    assert clock["first_contact"]["state"] == "breached" and clock["first_contact"]["business_seconds_left"] < 0
    assert clock["scheduled"]["state"] == "on_track"

    listed = lambda r: [item["id"] for item in r.json()["items"]]  # noqa: E731
    assert listed(await client.get("/v1/referrals", params={"sla": "breached"})) == [breached["id"]]
    assert listed(await client.get("/v1/referrals", params={"sla": "at_risk"})) == [late["id"]]
    assert (await client.get("/v1/referrals", params={"sla": "late"})).json()["errors"][0]["field"] == "query.sla"

    # A first contact meets the milestone and takes the referral off the breached list.
    await client.post(f"/v1/referrals/{breached['id']}/contact-attempts", json={"channel": "phone", "reached": True})
    assert (await _sla(client, breached["id"]))["first_contact"]["state"] == "breached"  # met, but late
    await client.post(f"/v1/referrals/{late['id']}/contact-attempts", json={"channel": "phone", "reached": True})
    assert (await _sla(client, late["id"]))["first_contact"]["state"] == "met"
    assert listed(await client.get("/v1/referrals", params={"sla": "breached"})) == []


async def test_needs_info_pauses_the_clock_and_takes_it_off_the_lists(client):
    await _default_calendar(client)
    referral = await _refer(client, hours_ago=1.9, urgency="stat")
    moved = await client.post(f"/v1/referrals/{referral['id']}/transitions", json={"to": "needs_info"})
    assert moved.status_code == 200
    clock = await _sla(client, referral["id"])
    assert clock["first_contact"]["paused"] is True and clock["first_contact"]["due_at"] is None
    left = clock["first_contact"]["business_seconds_left"]
    await asyncio.sleep(1.1)
    assert (await _sla(client, referral["id"]))["first_contact"]["business_seconds_left"] == left
    assert (await client.get("/v1/referrals", params={"sla": "at_risk"})).json()["items"] == []
    await client.post(f"/v1/referrals/{referral['id']}/transitions", json={"to": "accepted"})
    clock = await _sla(client, referral["id"])
    assert clock["first_contact"]["paused"] is False and clock["first_contact"]["due_at"] is not None
    assert [r["id"] for r in (await client.get("/v1/referrals", params={"sla": "at_risk"})).json()["items"]] == [
        referral["id"]
    ]


async def test_changing_the_urgency_moves_the_due_times_to_the_new_urgencys_policy(client):
    await _default_calendar(client)
    referral = await _refer(client, hours_ago=1.6, urgency="routine")
    received = datetime.fromisoformat(referral["received_at"])
    clock = await _sla(client, referral["id"])
    assert datetime.fromisoformat(clock["first_contact"]["due_at"]) == received + timedelta(hours=16)
    assert clock["first_contact"]["state"] == "on_track"

    changed = await client.patch(
        f"/v1/referrals/{referral['id']}", json={"urgency": "stat"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    clock = await _sla(client, referral["id"])
    assert datetime.fromisoformat(clock["first_contact"]["due_at"]) == received + timedelta(hours=2)
    assert datetime.fromisoformat(clock["scheduled"]["due_at"]) == received + timedelta(days=1)
    assert clock["first_contact"]["target_business_seconds"] == 2 * 3600
    assert clock["first_contact"]["state"] == "at_risk"  # 80% of two hours gone, as if it had come in stat
    listed = (await client.get("/v1/referrals", params={"sla": "at_risk"})).json()["items"]
    assert [r["id"] for r in listed] == [referral["id"]]

    # And back: the routine targets again, measured from the same arrival.
    await client.patch(f"/v1/referrals/{referral['id']}", json={"urgency": "routine"}, headers={"If-Match": '"2"'})
    clock = await _sla(client, referral["id"])
    assert datetime.fromisoformat(clock["first_contact"]["due_at"]) == received + timedelta(hours=16)
    assert (await client.get("/v1/referrals", params={"sla": "at_risk"})).json()["items"] == []


async def test_a_calendar_edit_moves_the_due_times_the_referral_shows(client):
    calendar = await _default_calendar(client)
    referral = await _refer(client, hours_ago=0.5, urgency="stat")
    assert (await _sla(client, referral["id"]))["first_contact"]["business_seconds_left"] <= 7200 - 1800
    # The practice closes from yesterday to tomorrow: nothing of the half hour counted, due two hours after reopening.
    today = utcnow().date()
    closed = {"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1)), "name": "Closed"}
    body = {"name": calendar["name"], "time_zone": "UTC", "weekly_hours": ALWAYS_OPEN, "holidays": [closed]}
    saved = await client.put(
        f"/v1/calendars/{calendar['id']}", json=body | {"is_default": True}, headers={"If-Match": '"1"'}
    )
    assert saved.status_code == 200, saved.text
    clock = await _sla(client, referral["id"])
    assert clock["first_contact"]["business_seconds_left"] == 7200
    reopens = datetime.combine(today + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    assert datetime.fromisoformat(clock["first_contact"]["due_at"]) == reopens + timedelta(hours=2)


async def test_a_declined_referral_stops_its_clocks(client):
    await _default_calendar(client)
    referral = await _refer(client, hours_ago=5, urgency="stat")
    await client.post(f"/v1/referrals/{referral['id']}/transitions", json={"to": "declined", "reason": "misdirected"})
    clock = await _sla(client, referral["id"])
    assert clock["first_contact"]["stopped"] is True
    assert (await client.get("/v1/referrals", params={"sla": "breached"})).json()["items"] == []


async def test_sweep_opens_one_escalation_per_breached_milestone_for_the_queue_lead(client, session, admin_user):
    await _default_calendar(client)
    queue = await client.post("/v1/work-queues", json={"name": "Cardiology intake", "lead_id": str(admin_user.id)})
    assert queue.status_code == 201, queue.text
    referral = await _refer(client, hours_ago=30, urgency="stat", queue="Cardiology intake")
    fine = await _refer(client, hours_ago=0.1, urgency="stat")
    assert await sweeps.escalate_breaches(session) == 2  # first contact (2 h) and scheduled (1 day)
    assert await sweeps.escalate_breaches(session) == 0
    tasks = (await session.execute(select(Task).where(Task.referral_id == referral["id"]))).scalars().all()
    assert sorted(t.title for t in tasks) == ["SLA breached: first contact", "SLA breached: scheduling"]
    assert {t.assignee_id for t in tasks} == {admin_user.id}
    events = (
        (
            await session.execute(
                select(ReferralEvent).where(ReferralEvent.referral_id == referral["id"], ReferralEvent.kind == "task")
            )
        )
        .scalars()
        .all()
    )
    assert sorted(e.detail["milestone"] for e in events) == ["first_contact", "scheduled"]
    assert (
        await session.execute(select(func.count()).select_from(Task).where(Task.referral_id == fine["id"]))
    ).scalar() == 0
    clock = await _sla(client, referral["id"])
    assert clock["first_contact"]["escalated_at"] is not None


async def test_two_sweeps_at_once_open_each_escalation_once(committed, connection_engine):
    from domain.journey.models import BusinessCalendar
    from domain.shared.db import unit_of_work
    from tests.factories import make_referral

    async with unit_of_work() as session:
        session.add(
            BusinessCalendar(name="all week", time_zone="UTC", weekly_hours=ALWAYS_OPEN, holidays=[], is_default=True)
        )
    async with unit_of_work() as session:
        for _ in range(40):
            await make_referral(session, urgency="stat", received_at=utcnow() - timedelta(hours=3))

    async def sweep() -> int:
        async with unit_of_work() as session:
            return await sweeps.escalate_breaches(session, limit=7)

    total = 0
    for _ in range(10):
        results = await asyncio.gather(sweep(), sweep())
        total += sum(results)
    async with connection_engine.connect() as conn:
        tasks = (await conn.execute(text("SELECT count(*), count(DISTINCT referral_id) FROM tasks"))).one()
    assert total == 40
    assert tuple(tasks) == (40, 40)


async def test_a_holiday_added_takes_back_the_breaches_the_sweep_would_escalate(committed, connection_engine):
    from domain.journey import admin, retime
    from domain.journey.models import ReferralClock
    from domain.referrals import service as referrals
    from domain.referrals.enums import ReferralStatus
    from domain.shared.db import unit_of_work
    from tests.factories import make_referral
    from workers import cron

    async with unit_of_work() as session:
        opened = await admin.create_calendar(session, data=_all_week([]))
    async with unit_of_work() as session:  # first contact (2 h) breached
        made = [
            await make_referral(session, urgency="stat", received_at=utcnow() - timedelta(hours=3)) for _ in range(13)
        ]
    async with unit_of_work() as session:  # a declined one's clock has stopped: left alone
        await referrals.transition(
            session, referral_id=made[0].id, to=ReferralStatus.declined, reason="misdirected", note=None, actor="test"
        )

    today = utcnow().date()
    closed = {"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1)), "name": "Closed"}
    async with unit_of_work() as session:
        await admin.replace_calendar(session, calendar_id=opened.id, data=_all_week([closed]), expected_version=1)
    assert await retime.retime_edited_calendars(batch=5) == 12  # three transactions of 5, 5 and 2
    assert await retime.retime_edited_calendars(batch=5) == 0  # timed: nothing left to do
    reopens = datetime.combine(today + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    async with unit_of_work() as session:
        due = (await session.execute(select(ReferralClock.first_contact_due_at, ReferralClock.is_open))).all()
    assert sorted(due, key=lambda row: row.is_open) == [(None, False)] + [(reopens + timedelta(hours=2), True)] * 12
    await cron.sla_sweep({})
    async with connection_engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM tasks"))).scalar() == 0

    # The holiday taken out again: the next sweep retimes first, then escalates the twelve breaches.
    async with unit_of_work() as session:
        await admin.replace_calendar(session, calendar_id=opened.id, data=_all_week([]), expected_version=2)
    await cron.sla_sweep({})
    async with connection_engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM tasks"))).scalar() == 12


async def test_a_retime_waiting_on_a_move_works_from_the_moved_clock(committed):
    from domain.journey import admin, retime
    from domain.journey.models import ReferralClock
    from domain.referrals import service as referrals
    from domain.referrals.enums import ReferralStatus
    from domain.shared.db import unit_of_work
    from tests.factories import make_referral

    async with unit_of_work() as session:
        opened = await admin.create_calendar(session, data=_all_week([]))
    async with unit_of_work() as session:
        referral = await make_referral(session, urgency="routine", received_at=utcnow() - timedelta(hours=1))
    async with unit_of_work() as session:
        today = utcnow().date()
        holiday = {"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1)), "name": "Closed"}
        await admin.replace_calendar(session, calendar_id=opened.id, data=_all_week([holiday]), expected_version=1)

    # A move to needs_info pauses the clock; the retime starts while it is not yet committed.
    async with unit_of_work() as session:
        await referrals.transition(
            session, referral_id=referral.id, to=ReferralStatus.needs_info, reason=None, note=None, actor="test"
        )
        retiming = asyncio.create_task(retime.retime_edited_calendars())
        await asyncio.sleep(0.5)
        assert not retiming.done()  # waiting on the referral the move holds
    assert await retiming == 1
    async with unit_of_work() as session:
        clock = await session.get(ReferralClock, referral.id)
        assert clock is not None and clock.paused_since is not None
        # Paused: no due time (worked out from the clock as it was, the holiday would have moved them all).
        assert (clock.first_contact_due_at, clock.scheduled_due_at, clock.next_due_at) == (None, None, None)


async def test_fhir_task_carries_the_next_due_time(client):
    await _default_calendar(client)
    referral = await _refer(client, hours_ago=1, urgency="stat")
    task = (await client.get(f"/fhir/R4/Task/{referral['id']}")).json()
    clock = await _sla(client, referral["id"])
    assert task["restriction"]["period"]["end"][:19] == clock["first_contact"]["due_at"][:19]
    await client.post(f"/v1/referrals/{referral['id']}/transitions", json={"to": "needs_info"})
    task = (await client.get(f"/fhir/R4/Task/{referral['id']}")).json()
    assert task["status"] == "on-hold" and "restriction" not in task
    found = (await client.get("/fhir/R4/Task", params={"_id": referral["id"]})).json()
    assert "restriction" not in found["entry"][0]["resource"]


async def test_analytics_summary_reports_sla_attainment_per_milestone(client):
    await _default_calendar(client)
    on_time = await _refer(client, hours_ago=1, urgency="stat")
    late = await _refer(client, hours_ago=3, urgency="stat")
    await _refer(client, hours_ago=2.5, urgency="stat")  # open past its first-contact due time
    await _refer(client, hours_ago=0.5, urgency="stat")  # not decided yet
    for r in (on_time, late):
        await client.post(f"/v1/referrals/{r['id']}/contact-attempts", json={"channel": "phone", "reached": False})
    summary = (await client.get("/v1/analytics/summary")).json()
    sla = {m["milestone"]: m for m in summary["sla"]}
    assert sla["first_contact"] == {"milestone": "first_contact", "decided": 3, "met": 1, "rate": round(1 / 3, 4)}
    assert sla["scheduled"] == {"milestone": "scheduled", "decided": 0, "met": 0, "rate": None}


async def _listed_due(client, referral_id, **params):
    """The list item's first_contact_due_at, as the board and table read it."""
    items = (await client.get("/v1/referrals", params=params)).json()["items"]
    (item,) = [i for i in items if i["id"] == referral_id]
    return item["first_contact_due_at"]


async def test_list_items_carry_the_first_contact_due_time_the_referrals_clock_shows(client):
    await _default_calendar(client)
    late = await _refer(client, hours_ago=3, urgency="stat", service_line="cardiology")
    fresh = await _refer(client, hours_ago=0.5, urgency="routine", service_line="cardiology")
    for referral in (late, fresh):
        due = (await _sla(client, referral["id"]))["first_contact"]["due_at"]
        # The board's common query (served before FastAPI's routing) and one the full path serves agree.
        assert await _listed_due(client, referral["id"], status="received", service_line="cardiology") == due
        assert await _listed_due(client, referral["id"], urgency=referral["urgency"]) == due
    # Past due: a stat referral three hours in (two-hour target); the routine one has 15.5 hours left.
    now = utcnow()
    assert datetime.fromisoformat(await _listed_due(client, late["id"], status="received")) < now
    assert datetime.fromisoformat(await _listed_due(client, fresh["id"], status="received")) > now

    # First contact made: the milestone no longer runs, so nothing is due and the referral is not overdue.
    await client.post(f"/v1/referrals/{late['id']}/contact-attempts", json={"channel": "phone", "reached": True})
    assert await _listed_due(client, late["id"], service_line="cardiology") is None
    # Waiting for the referrer (needs_info) pauses the clock: no due time until it runs again.
    await client.post(f"/v1/referrals/{fresh['id']}/transitions", json={"to": "needs_info"})
    assert await _listed_due(client, fresh["id"], status="needs_info", service_line="cardiology") is None
    await client.post(f"/v1/referrals/{fresh['id']}/transitions", json={"to": "accepted"})
    assert (
        await _listed_due(client, fresh["id"], status="accepted")
        == (await _sla(client, fresh["id"]))["first_contact"]["due_at"]
    )
