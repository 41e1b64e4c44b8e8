"""Staff tasks: due times, completion, the referral timeline, and the work-queue filters."""

import uuid
from datetime import timedelta

from sqlalchemy import text

from domain.identity.models import User
from domain.shared.clock import utcnow
from tests.factories import make_provider, make_referral, make_task


def _iso(delta: timedelta) -> str:
    return (utcnow() + delta).isoformat()


async def _user(session, name: str = "Ines Coordinator") -> User:
    user = User(email=f"{uuid.uuid4().hex[:10]}@clinic.example", full_name=name, role="intake")
    session.add(user)
    await session.flush()
    return user


async def _all_pages(client, params: dict) -> list[dict]:
    seen, cursor = [], None
    for _ in range(20):
        page = (await client.get("/v1/tasks", params=params | ({"cursor": cursor} if cursor else {}))).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


async def test_task_is_created_and_read_back_with_its_etag(client, session):
    user = await _user(session)
    provider = await make_provider(session)
    body = {
        "type": "outreach",
        "title": "Thank Dr. Nguyen for the referrals",
        "provider_id": str(provider.id),
        "assignee_id": str(user.id),
        "queue": "liaison",
        "due_at": "2027-01-05T15:00:00Z",
        "priority": "high",
    }
    created = await client.post("/v1/tasks", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    task = (await client.get(created.headers["Location"])).json()
    assert (task["status"], task["due_at"], task["completed_at"], task["overdue"]) == (
        "open",
        "2027-01-05T15:00:00Z",
        None,
        False,
    )
    assert (task["provider_id"], task["assignee_id"], task["priority"]) == (str(provider.id), str(user.id), "high")


async def test_task_text_is_sealed_at_rest(client, session):
    created = await client.post(
        "/v1/tasks",
        json={
            "type": "call_patient",
            "title": "Call Maria Lopez about her MRI",
            "description": "Mobile 555 010 2000",
            "due_at": _iso(timedelta(hours=2)),
        },
    )
    stored = (
        await session.execute(text("select title, description from tasks where id = :id"), {"id": created.json()["id"]})
    ).one()
    assert "Maria" not in stored.title and "555" not in stored.description
    assert (await client.get(f"/v1/tasks/{created.json()['id']}")).json()["title"] == "Call Maria Lopez about her MRI"


async def test_resent_task_with_the_same_idempotency_key_is_one_task(client):
    queue = f"q-{uuid.uuid4().hex[:6]}"
    body = {"type": "follow_up", "title": "Chase the consult note", "queue": queue, "due_at": _iso(timedelta(days=1))}
    first = await client.post("/v1/tasks", json=body, headers={"Idempotency-Key": "chase-1"})
    again = await client.post("/v1/tasks", json=body, headers={"Idempotency-Key": "chase-1"})
    assert again.json()["id"] == first.json()["id"]
    assert len(await _all_pages(client, {"queue": queue})) == 1


async def test_unknown_referral_provider_or_assignee_is_422_naming_the_field(client):
    for field in ("referral_id", "provider_id", "assignee_id"):
        body = {"type": "other", "title": "x", "due_at": _iso(timedelta(days=1)), field: str(uuid.uuid4())}
        response = await client.post("/v1/tasks", json=body)
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == f"body.{field}"
    assert (await client.get(f"/v1/tasks/{uuid.uuid4()}")).status_code == 404


async def test_completing_stamps_completed_at_and_reopening_clears_it(client, session):
    task = await make_task(session)
    url = f"/v1/tasks/{task.id}"
    done = await client.patch(url, json={"status": "done"}, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.json()["completed_at"] is not None
    reopened = await client.patch(url, json={"status": "in_progress"}, headers={"If-Match": '"2"'})
    assert (reopened.json()["status"], reopened.json()["completed_at"]) == ("in_progress", None)


async def test_task_about_a_referral_shows_on_its_timeline_when_created_and_completed(client, session):
    referral = await make_referral(session)
    created = await client.post(
        "/v1/tasks",
        json={
            "type": "request_info",
            "title": "Ask the referrer for the echo report",
            "referral_id": str(referral.id),
            "due_at": _iso(timedelta(hours=4)),
        },
    )
    task_id = created.json()["id"]
    await client.patch(f"/v1/tasks/{task_id}", json={"status": "done"}, headers={"If-Match": '"1"'})
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    task_lines = [(e["kind"], e["detail"]["task_id"], e["detail"]["status"]) for e in events if e["kind"] == "task"]
    assert task_lines == [("task", task_id, "open"), ("task", task_id, "done")]
    assert all("echo" not in str(e["detail"]) for e in events)  # free text stays off the timeline


async def test_editing_a_task_needs_the_current_etag(client, session):
    task = await make_task(session)
    url = f"/v1/tasks/{task.id}"
    assert (await client.patch(url, json={"priority": "urgent"})).status_code == 428
    assert (await client.patch(url, json={"priority": "urgent"}, headers={"If-Match": '"1"'})).status_code == 200
    stale = await client.patch(url, json={"priority": "low"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert (await client.get(url)).json()["priority"] == "urgent"


async def test_required_field_sent_as_null_is_422_naming_it(client, session):
    task = await make_task(session)
    response = await client.patch(f"/v1/tasks/{task.id}", json={"due_at": None}, headers={"If-Match": '"1"'})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.due_at"
    unassigned = await client.patch(f"/v1/tasks/{task.id}", json={"assignee_id": None}, headers={"If-Match": '"1"'})
    assert unassigned.status_code == 200


async def test_overdue_filter_lists_past_due_tasks_that_are_still_open(client, session):
    queue = f"q-{uuid.uuid4().hex[:6]}"
    late_open = await make_task(session, queue=queue, due_at=_iso(timedelta(hours=-2)))
    late_started = await make_task(session, queue=queue, due_at=_iso(timedelta(days=-3)))
    await client.patch(f"/v1/tasks/{late_started.id}", json={"status": "in_progress"}, headers={"If-Match": '"1"'})
    late_done = await make_task(session, queue=queue, due_at=_iso(timedelta(hours=-1)))
    await client.patch(f"/v1/tasks/{late_done.id}", json={"status": "done"}, headers={"If-Match": '"1"'})
    future = await make_task(session, queue=queue, due_at=_iso(timedelta(hours=5)))
    overdue = await _all_pages(client, {"queue": queue, "overdue": "true"})
    assert [t["id"] for t in overdue] == [str(late_started.id), str(late_open.id)]
    assert all(t["overdue"] for t in overdue)
    not_overdue = await _all_pages(client, {"queue": queue, "overdue": "false"})
    assert {t["id"] for t in not_overdue} == {str(late_done.id), str(future.id)}


async def test_work_queue_filters_by_assignee_status_referral_and_due_before(client, session):
    me, colleague = await _user(session), await _user(session, "Other Person")
    referral = await make_referral(session)
    mine_today = await make_task(
        session, assignee_id=str(me.id), due_at=_iso(timedelta(hours=3)), referral_id=str(referral.id)
    )
    mine_later = await make_task(session, assignee_id=str(me.id), due_at=_iso(timedelta(days=9)))
    await make_task(session, assignee_id=str(colleague.id), due_at=_iso(timedelta(hours=1)))
    mine_done = await make_task(session, assignee_id=str(me.id), due_at=_iso(timedelta(hours=2)))
    await client.patch(f"/v1/tasks/{mine_done.id}", json={"status": "done"}, headers={"If-Match": '"1"'})

    open_mine = await _all_pages(client, {"assignee_id": str(me.id), "status": ["open", "in_progress"]})
    assert [t["id"] for t in open_mine] == [str(mine_today.id), str(mine_later.id)]
    due_soon = await _all_pages(client, {"assignee_id": str(me.id), "due_before": _iso(timedelta(days=1))})
    assert {t["id"] for t in due_soon} == {str(mine_today.id), str(mine_done.id)}
    about_referral = await _all_pages(client, {"referral_id": str(referral.id)})
    assert [t["id"] for t in about_referral] == [str(mine_today.id)]
    newest_first = await _all_pages(client, {"assignee_id": str(me.id), "sort": "-due_at"})
    assert [t["id"] for t in newest_first] == [str(mine_later.id), str(mine_today.id), str(mine_done.id)]


async def test_pages_cover_every_task_once_even_with_equal_due_times(client, session):
    queue = f"q-{uuid.uuid4().hex[:6]}"
    same_time = _iso(timedelta(days=2))
    made = [
        await make_task(session, queue=queue, due_at=same_time if i % 2 else _iso(timedelta(hours=i))) for i in range(9)
    ]
    for sort in ("due_at", "-due_at"):
        seen = await _all_pages(client, {"queue": queue, "limit": 2, "sort": sort})
        assert sorted(t["id"] for t in seen) == sorted(str(t.id) for t in made)
        dues = [t["due_at"] for t in seen]
        assert dues == sorted(dues, reverse=sort.startswith("-"))
