"""Duplicate providers: the finder's precision and recall on a fixed file, the review queue, merge and undo."""

import csv
import itertools
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from domain.providers.matching import REVIEW_THRESHOLD
from domain.relationships.models import Touchpoint
from domain.shared.clock import utcnow
from domain.shared.outbox import OutboxMessage, add_message
from domain.shared.repository import encode_cursor
from tests.factories import make_organization, make_provider, make_referral, make_task, valid_npi

FILE = Path(__file__).parent / "data" / "provider_duplicates.csv"
SAME_NAME_DIFFERENT_DOCTORS = (("Michael", "Chen"), ("Maria", "Garcia"))


async def _load_file(session) -> tuple[dict[str, dict], dict[str, str]]:
    """Every row of the file as a provider at its practice; returns the rows and provider id -> record id."""
    rows = list(csv.DictReader(FILE.open()))
    practices: dict[tuple[str, str, str], str] = {}
    ids: dict[str, str] = {}
    for row in rows:
        place = (row["organization"], row["street"], row["zip"])
        if place not in practices:
            org = await make_organization(
                session,
                name=row["organization"],
                address={
                    "line": [row["street"]],
                    "city": row["city"],
                    "state": row["state"],
                    "postal_code": row["zip"],
                },
            )
            practices[place] = str(org.id)
        points = [{"system": "phone", "value": row["phone"]}] if row["phone"] else []
        points += [{"system": "email", "value": row["email"]}] if row["email"] else []
        provider = await make_provider(
            session,
            given_name=row["given_name"],
            family_name=row["family_name"],
            npi=row["npi"] or None,
            contact_points=points,
            affiliations=[{"organization_id": practices[place]}],
            specialties=[{"code": row["specialty"], "display": row["specialty"], "primary": True}],
        )
        ids[str(provider.id)] = row["record_id"]
    return {row["record_id"]: row for row in rows}, ids


async def _queue(client, **params) -> list[dict]:
    """The whole stored queue, refreshed first as the worker would."""
    refreshed = await client.post("/v1/directory/duplicates/refresh")
    assert refreshed.status_code == 200, refreshed.text
    pairs, cursor = [], None
    for _ in range(50):
        page = (
            await client.get(
                "/v1/directory/duplicates", params={"limit": 40, **params} | ({"cursor": cursor} if cursor else {})
            )
        ).json()
        pairs += page["items"]
        if not (cursor := page["next_cursor"]):
            return pairs
    raise AssertionError("the queue did not end")


async def test_finder_recall_and_precision_on_the_fixed_file(client, session):
    rows, ids = await _load_file(session)
    truth = {
        frozenset((a["record_id"], b["record_id"]))
        for a, b in itertools.combinations(rows.values(), 2)
        if a["person"] == b["person"]
    }
    proposed = {
        frozenset((ids[p["first"]["id"]], ids[p["second"]["id"]])): p
        for p in await _queue(client)
        if p["first"]["id"] in ids and p["second"]["id"] in ids
    }
    found = proposed.keys() & truth
    precision, recall = len(found) / len(proposed), len(found) / len(truth)
    print(
        f"\nduplicate finder on {FILE.name}: {len(rows)} records, {len(truth)} true pairs, "
        f"{len(proposed)} proposed, precision {precision:.3f}, recall {recall:.3f}"
    )
    assert recall >= 0.95, sorted(truth - found)
    assert precision >= 0.95, [proposed[p]["reasons"] for p in proposed.keys() - truth]
    scores = [p["score"] for p in proposed.values()]
    assert scores == sorted(scores, reverse=True) and min(scores) >= REVIEW_THRESHOLD
    named = {(rows[r]["given_name"], rows[r]["family_name"]) for pair in proposed for r in pair}
    assert not named & set(SAME_NAME_DIFFERENT_DOCTORS)
    # Looked at directly, each namesake is a weak match below the threshold, and the reasons say why.
    for given, family in SAME_NAME_DIFFERENT_DOCTORS:
        first, second = [
            pid for pid, r in ids.items() if rows[r]["given_name"] == given and rows[r]["family_name"] == family
        ]
        weak = (await client.get(f"/v1/providers/{first}/duplicates", params={"min_score": 0})).json()
        pair = next(d for d in weak if d["provider"]["id"] == second)
        assert pair["score"] < REVIEW_THRESHOLD
        assert "different cities" in pair["reasons"] and "names 1.00 similar" in pair["reasons"]


async def test_reasons_read_as_words_and_a_nickname_is_the_same_name(client, session):
    practice = await make_organization(session, address={"line": ["12 Elm St"], "postal_code": "02115"})
    affiliation = [{"organization_id": str(practice.id)}]
    robert = await make_provider(
        session,
        given_name="Robert",
        family_name="Quillfeather",
        affiliations=affiliation,
        contact_points=[{"system": "phone", "value": "617 555 0142"}],
    )
    bob = await make_provider(
        session,
        given_name="Bob",
        family_name="Quillfeather",
        affiliations=affiliation,
        contact_points=[{"system": "phone", "value": "617 555 0124"}],
    )  # last digits swapped
    found = (await client.get(f"/v1/providers/{robert.id}/duplicates")).json()
    assert [d["provider"]["id"] for d in found] == [str(bob.id)]
    assert found[0]["score"] >= REVIEW_THRESHOLD
    assert {
        "phones one digit apart",
        "same ZIP",
        "same street address",
        "same organization",
        "Robert and Bob are the same name (nickname)",
    } <= set(found[0]["reasons"])


async def test_colleagues_sharing_the_office_phone_are_not_proposed(client, session):
    practice = await make_organization(session, address={"line": ["3 Oak Ave"], "postal_code": "60611"})
    shared = {
        "contact_points": [{"system": "phone", "value": "312 555 0199"}],
        "affiliations": [{"organization_id": str(practice.id)}],
    }
    david = await make_provider(session, given_name="David", family_name="Marchetti", **shared)
    await make_provider(session, given_name="Priya", family_name="Marchetti", **shared)
    assert (await client.get(f"/v1/providers/{david.id}/duplicates")).json() == []


async def test_not_a_duplicate_is_remembered_and_never_proposed_again(client, session):
    phone = [{"system": "phone", "value": "303 555 0111"}]
    a = await make_provider(session, given_name="Evelyn", family_name="Strand", contact_points=phone)
    b = await make_provider(session, given_name="Evelyn", family_name="Strand", contact_points=phone)
    pair = {str(a.id), str(b.id)}
    assert any({p["first"]["id"], p["second"]["id"]} == pair for p in await _queue(client))
    for _ in range(2):  # marking twice is harmless
        dismissed = await client.post(
            "/v1/directory/duplicates/dismissals", json={"provider_ids": [str(b.id), str(a.id)]}
        )
        assert dismissed.status_code == 204, dismissed.text
    assert not any({p["first"]["id"], p["second"]["id"]} == pair for p in await _queue(client, min_score=0))
    assert (await client.get(f"/v1/providers/{a.id}/duplicates", params={"min_score": 0})).json() == []


async def test_dismissal_refuses_bad_input_naming_the_field(client, session):
    a = await make_provider(session)
    url = "/v1/directory/duplicates/dismissals"
    same = await client.post(url, json={"provider_ids": [str(a.id), str(a.id)]})
    assert (same.status_code, same.json()["errors"][0]["field"]) == (422, "body.provider_ids")
    unknown = await client.post(url, json={"provider_ids": [str(a.id), str(uuid.uuid4())]})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "body.provider_ids.1")
    for body in ({"provider_ids": [str(a.id)]}, {"provider_ids": "x"}, {"provider_ids": [1, 2]}, {}):
        assert (await client.post(url, json=body)).status_code == 422


async def _everything_pointing_at(session, provider, admin_user):
    referral = await make_referral(session, referring_provider_id=str(provider.id))
    task = await make_task(session, provider_id=provider.id)
    touchpoint = Touchpoint(provider_id=provider.id, liaison_id=admin_user.id, occurred_at=utcnow(), kind="visit")
    session.add(touchpoint)
    message = await add_message(
        session,
        channel="email",
        kind="reminder",
        recipient_type="provider",
        recipient_id=provider.id,
        idempotency_key=f"merge-test-{uuid.uuid4()}",
    )
    await session.flush()
    return referral, task, touchpoint, message


async def _owner(session, model, row_id, column="provider_id"):
    return (await session.execute(select(getattr(model, column)).where(model.id == row_id))).scalar_one()


async def test_merge_with_field_choices_moves_everything_and_undo_puts_it_back(client, session, admin_user):
    from domain.referrals.models import Referral
    from domain.tasks.models import Task

    npi = valid_npi()
    survivor = await make_provider(
        session, given_name="Bob", family_name="Halloway", contact_points=[{"system": "phone", "value": "614 555 0100"}]
    )
    duplicate = await make_provider(
        session,
        given_name="Robert",
        family_name="Halloway",
        npi=npi,
        contact_points=[{"system": "fax", "value": "614 555 0101"}],
        notes="old note",
    )
    referral, task, touchpoint, message = await _everything_pointing_at(session, duplicate, admin_user)

    merged = await client.post(
        "/v1/directory/merges",
        json={
            "survivor_id": str(survivor.id),
            "merged_id": str(duplicate.id),
            "keep": {"given_name": "merged", "contact_points": "survivor", "notes": "survivor"},
        },
    )
    assert merged.status_code == 201, merged.text
    merge = merged.json()
    assert (merge["survivor_name"], merge["merged_name"]) == ("Bob Halloway", "Robert Halloway")
    kept = (await client.get(f"/v1/providers/{survivor.id}")).json()
    assert (kept["given_name"], kept["npi"], kept["notes"]) == ("Robert", npi, None)
    assert [cp["value"] for cp in kept["contact_points"]] == ["+16145550100"]
    gone = (await client.get(f"/v1/providers/{duplicate.id}")).json()
    assert (gone["status"], gone["merged_into_id"]) == ("merged", str(survivor.id))
    assert (await client.get(f"/v1/referrals/{referral.id}")).json()["referring_provider_id"] == str(survivor.id)
    assert await _owner(session, Task, task.id) == survivor.id
    assert await _owner(session, Touchpoint, touchpoint.id) == survivor.id
    assert await _owner(session, OutboxMessage, message.id, "recipient_id") == survivor.id
    listed = (await client.get("/v1/directory/merges")).json()
    assert listed[0]["id"] == merge["id"] and listed[0]["undone_at"] is None

    undone = await client.post(f"/v1/directory/merges/{merge['id']}/undo")
    assert undone.status_code == 200, undone.text
    back = (await client.get(f"/v1/providers/{duplicate.id}")).json()
    assert (back["status"], back["merged_into_id"], back["npi"], back["notes"]) == ("active", None, npi, "old note")
    restored = (await client.get(f"/v1/providers/{survivor.id}")).json()
    assert (restored["given_name"], restored["npi"]) == ("Bob", None)
    assert (await client.get(f"/v1/referrals/{referral.id}")).json()["referring_provider_id"] == str(duplicate.id)
    events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert events[-1]["detail"]["restored_to"] == str(duplicate.id)
    assert await _owner(session, Referral, referral.id, "referring_provider_id") == duplicate.id
    assert await _owner(session, Task, task.id) == duplicate.id
    assert await _owner(session, Touchpoint, touchpoint.id) == duplicate.id
    assert await _owner(session, OutboxMessage, message.id, "recipient_id") == duplicate.id
    assert merge["id"] not in [m["id"] for m in (await client.get("/v1/directory/merges")).json()]
    again = await client.post(f"/v1/directory/merges/{merge['id']}/undo")
    assert again.status_code == 409 and "already undone" in again.json()["detail"]


async def test_undo_is_refused_after_30_days(client, session):
    practice = await make_organization(session)
    a, b = [await make_provider(session, affiliations=[{"organization_id": str(practice.id)}]) for _ in range(2)]
    merge = (await client.post("/v1/directory/merges", json={"survivor_id": str(a.id), "merged_id": str(b.id)})).json()
    await session.execute(
        text("UPDATE provider_merges SET merged_at = merged_at - interval '31 days' WHERE id = :id").bindparams(
            id=uuid.UUID(merge["id"])
        )
    )
    late = await client.post(f"/v1/directory/merges/{merge['id']}/undo")
    assert late.status_code == 409
    assert "30 days" in late.json()["detail"]
    assert (await client.get(f"/v1/providers/{b.id}")).json()["status"] == "merged"
    # An affiliation both had is kept once and comes back on undo (within the window).
    c, d = [await make_provider(session, affiliations=[{"organization_id": str(practice.id)}]) for _ in range(2)]
    merge = (await client.post("/v1/directory/merges", json={"survivor_id": str(c.id), "merged_id": str(d.id)})).json()
    assert (await client.post(f"/v1/directory/merges/{merge['id']}/undo")).status_code == 200
    assert [x["organization_id"] for x in (await client.get(f"/v1/providers/{d.id}")).json()["affiliations"]] == [
        str(practice.id)
    ]
    assert (await client.post(f"/v1/directory/merges/{uuid.uuid4()}/undo")).status_code == 404


async def test_merge_refuses_bad_choices_and_impossible_pairs(client, session):
    a, b = await make_provider(session, npi=valid_npi()), await make_provider(session, npi=valid_npi())
    url = "/v1/directory/merges"
    for keep in ({"shoe_size": "merged"}, {"given_name": "both"}, {"given_name": "theirs"}, {"notes": 3}):
        response = await client.post(url, json={"survivor_id": str(a.id), "merged_id": str(b.id), "keep": keep})
        assert response.status_code == 422, (keep, response.text)
        assert response.json()["errors"][0]["field"].startswith("body.keep")
    different = await client.post(url, json={"survivor_id": str(a.id), "merged_id": str(b.id)})
    assert different.status_code == 409 and "different NPIs" in different.json()["detail"]
    itself = await client.post(url, json={"survivor_id": str(a.id), "merged_id": str(a.id)})
    assert itself.status_code == 409
    for body in ({"survivor_id": "nope", "merged_id": str(a.id)}, {"merged_id": str(a.id)}):
        assert (await client.post(url, json=body)).status_code == 422
    assert (await client.get(f"/v1/providers/{b.id}")).json()["status"] == "active"


async def test_patterns_show_where_a_referrers_referrals_go_with_conversion(client, session):
    referrer = await make_provider(session)
    heart = await make_provider(session, kind="internal", given_name="Ada", family_name="Cardio")
    bones = await make_provider(session, kind="internal", given_name="Ben", family_name="Ortho")
    sent = [
        ("cardiology", heart, "completed"),
        ("cardiology", heart, "received"),
        ("cardiology", heart, "completed"),
        ("orthopedics", bones, "cancelled"),
        ("orthopedics", None, "received"),
    ]
    for line, receiver, status in sent:
        await make_referral(
            session,
            status=status,
            service_line=line,
            referring_provider_id=str(referrer.id),
            receiving_provider_id=str(receiver.id) if receiver else None,
        )
    old = (utcnow() - timedelta(days=200)).isoformat()
    await make_referral(
        session,
        status="completed",
        service_line="cardiology",
        received_at=old,
        referring_provider_id=str(referrer.id),
        receiving_provider_id=str(heart.id),
    )

    got = (await client.get(f"/v1/providers/{referrer.id}/patterns")).json()
    assert (got["volume"], got["conversion"]["count"]) == (5, 2)
    assert [(s["label"], s["volume"], s["conversion"]["count"]) for s in got["service_lines"]] == [
        ("cardiology", 3, 2),
        ("orthopedics", 2, 0),
    ]
    assert [(r["label"], r["volume"]) for r in got["receivers"]] == [
        ("Ada Cardio", 3),
        ("Ben Ortho", 1),
        ("Not yet assigned", 1),
    ]
    cell = next(f for f in got["flows"] if f["receiving_provider_id"] == str(heart.id))
    assert cell["conversion"]["rate"] == 2 / 3
    longer = (
        await client.get(
            f"/v1/providers/{referrer.id}/patterns",
            params={"from": (utcnow() - timedelta(days=365)).date().isoformat()},
        )
    ).json()
    assert (longer["volume"], longer["conversion"]["count"]) == (6, 3)
    summary = (await client.get("/v1/analytics/summary", params={"referring_provider_id": str(referrer.id)})).json()
    assert summary["totals"]["conversion"] == got["conversion"]
    assert (await client.get(f"/v1/providers/{uuid.uuid4()}/patterns")).status_code == 404
    backwards = await client.get(
        f"/v1/providers/{referrer.id}/patterns", params={"from": "2026-01-02", "to": "2026-01-01"}
    )
    assert backwards.status_code == 422


async def test_a_cursor_from_another_list_is_a_clear_422(client):
    from_providers = encode_cursor("Smith", uuid.uuid4())  # what the provider list issues
    malformed = encode_cursor([0.9, "not an id"], uuid.uuid4())
    for cursor in (from_providers, malformed, "bm90LWEtY3Vyc29y", "WzEsMl0"):
        response = await client.get("/v1/directory/duplicates", params={"cursor": cursor})
        assert response.status_code == 422, (cursor, response.text)
        assert response.json()["errors"][0]["field"] == "query.cursor"


async def test_only_the_provider_relations_team_reviews_and_merges(client_for, session):
    a, b = await make_provider(session), await make_provider(session)
    for role in ("intake", "clinician", "analyst"):
        other = await client_for(role)
        assert (await other.get("/v1/directory/duplicates")).status_code == 403
        merge = await other.post("/v1/directory/merges", json={"survivor_id": str(a.id), "merged_id": str(b.id)})
        assert merge.status_code == 403
    liaison = await client_for("liaison")
    assert (await liaison.get("/v1/directory/duplicates")).status_code == 200
    analyst = await client_for("analyst")
    assert (await analyst.get(f"/v1/providers/{a.id}/patterns")).status_code == 200


def _pairs(found: list[dict]) -> set[frozenset[str]]:
    return {frozenset((p["first"]["id"], p["second"]["id"])) for p in found}


async def _stored(client) -> set[frozenset[str]]:
    """The queue as stored, without refreshing it."""
    return _pairs((await client.get("/v1/directory/duplicates", params={"limit": 200, "min_score": 0})).json()["items"])


async def _twins(session, given="Marguerite", family="Oakhollow", phone="503 555 0177"):
    points = [{"system": "phone", "value": phone}]
    a = await make_provider(session, given_name=given, family_name=family, contact_points=points)
    b = await make_provider(session, given_name=given, family_name=family, contact_points=points)
    return a, b, frozenset((str(a.id), str(b.id)))


async def test_the_queue_is_stored_and_says_when_it_was_refreshed(client, session):
    a, b, pair = await _twins(session)
    assert pair not in await _stored(client)  # not scored yet: the page reads the stored pairs only
    refreshed = await client.post("/v1/directory/duplicates/refresh", params={"full": "true"})
    assert refreshed.status_code == 200, refreshed.text
    run = refreshed.json()
    assert run["full"] is True and run["pairs"] >= 1 and run["rescored"] >= 2
    assert pair in await _stored(client)
    last = (await client.get("/v1/directory/duplicates/refresh")).json()
    assert last["finished_at"] == run["finished_at"]
    # The next run scores only what changed since (and a few minutes before): a new twin of Marguerite's.
    await session.execute(
        text("UPDATE providers SET updated_at = now() - interval '1 hour' WHERE id IN (:a, :b)").bindparams(
            a=a.id, b=b.id
        )
    )
    c = await make_provider(
        session,
        given_name="Marguerite",
        family_name="Oakhollow",
        contact_points=[{"system": "phone", "value": "503 555 0177"}],
    )
    again = (await client.post("/v1/directory/duplicates/refresh")).json()
    assert (again["full"], again["rescored"]) == (False, 1)
    stored = await _stored(client)
    assert {pair, frozenset((str(a.id), str(c.id))), frozenset((str(b.id), str(c.id)))} <= stored


async def test_an_edit_merge_or_dismissal_takes_the_pair_out_at_once(client, session):
    a, _b, pair = await _twins(session, given="Ottoline", family="Brackwater", phone="503 555 0188")
    c, d, other = await _twins(session, given="Ignatius", family="Fernsby", phone="503 555 0199")
    e, f, third = await _twins(session, given="Wilhelmina", family="Stroud", phone="503 555 0166")
    await client.post("/v1/directory/duplicates/refresh")
    assert {pair, other, third} <= await _stored(client)

    edited = await client.patch(f"/v1/providers/{a.id}", json={"given_name": "Ottilie"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 200, edited.text
    merged = await client.post("/v1/directory/merges", json={"survivor_id": str(c.id), "merged_id": str(d.id)})
    assert merged.status_code == 201, merged.text
    dismissed = await client.post("/v1/directory/duplicates/dismissals", json={"provider_ids": [str(e.id), str(f.id)]})
    assert dismissed.status_code == 204
    assert not {pair, other, third} & await _stored(client)

    # The edited record is scored again at the next refresh; the merged and dismissed pairs stay out.
    await client.post("/v1/directory/duplicates/refresh")
    stored = await _stored(client)
    assert pair in stored and not {other, third} & stored
    # Undoing the merge takes the survivor's new pairs out too, until the next refresh scores both again.
    assert (await client.post(f"/v1/directory/merges/{merged.json()['id']}/undo")).status_code == 200
    await client.post("/v1/directory/duplicates/refresh")
    assert other in await _stored(client)


async def test_only_the_provider_relations_team_refreshes_the_queue(client_for):
    for role in ("intake", "clinician", "analyst"):
        other = await client_for(role)
        assert (await other.post("/v1/directory/duplicates/refresh")).status_code == 403
        assert (await other.get("/v1/directory/duplicates/refresh")).status_code == 403
    liaison = await client_for("liaison")
    assert (await liaison.post("/v1/directory/duplicates/refresh")).status_code == 200
    assert (await liaison.post("/v1/directory/duplicates/refresh", params={"full": "maybe"})).status_code == 422


async def test_the_worker_refreshes_the_queue_and_skips_while_another_refresh_runs(committed):
    from domain.providers.repository import CandidateRepository
    from domain.shared.db import unit_of_work
    from workers.jobs.directory import rebuild_duplicate_queue, refresh_duplicate_queue
    from workers.main import WorkerSettings

    scheduled = {job.coroutine: job for job in WorkerSettings.cron_jobs}
    assert scheduled[refresh_duplicate_queue].unique and scheduled[rebuild_duplicate_queue].unique
    try:
        async with unit_of_work() as session:
            a, b, _ = await _twins(session, given="Leopoldine", family="Harrowgate", phone="503 555 0155")
        async with unit_of_work() as holder:
            assert await CandidateRepository(holder).try_lock()
            assert await refresh_duplicate_queue({}) == {"skipped": "another refresh is running"}
        assert (await rebuild_duplicate_queue({}))["pairs"] >= 1
        async with unit_of_work() as session:
            stored = await session.execute(text("SELECT first_id, second_id FROM provider_duplicate_candidates"))
            assert tuple(sorted((a.id, b.id), key=str)) in set(stored.tuples())
    finally:
        async with unit_of_work() as session:
            await session.execute(text("DELETE FROM provider_duplicate_refreshes"))
