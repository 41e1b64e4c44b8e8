"""The referring-practice portal: a practice's people are invited, sign in, refer, follow their referrals,
talk with the intake team, and read the catalog; they see their own practice's referrals and nothing else."""

import re
import uuid
from datetime import timedelta

from sqlalchemy import select, text, update

from domain.identity.models import Invitation
from domain.providers.models import Affiliation
from domain.shared.clock import utcnow
from domain.shared.outbox import OutboxMessage, open_secret
from tests.factories import make_provider, make_referral, referral_payload
from tests.principals import make_partner_organization, make_user
from tests.test_documents import PDF, local_storage  # noqa: F401  (the fixture)

PASSWORD = "harbour lights 2031"


def _email() -> str:
    return f"portal-{uuid.uuid4().hex[:8]}@practice.test"


async def _invite(client, organization_id, email=None) -> dict:
    response = await client.post(
        f"/v1/organizations/{organization_id}/portal-users",
        json={"email": email or _email(), "full_name": "Dana Whitfield"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _token(session, invitation: dict) -> str:
    message = await session.get(OutboxMessage, uuid.UUID(invitation["message_id"]), populate_existing=True)
    token = open_secret(message.payload)
    assert token is not None, "the invitation message carries its link's token"
    return token


async def _accept(anonymous, token: str):
    return await anonymous.post("/v1/auth/invitation/accept", json={"token": token, "password": PASSWORD})


async def test_a_practice_person_is_invited_signs_in_and_sees_only_their_practice(client, client_for, session):
    practice = await make_partner_organization(session)
    other = await make_partner_organization(session)
    mine = await make_referral(session, referring_organization_id=practice.id)
    theirs = await make_referral(session, referring_organization_id=other.id)
    invitation = await _invite(client, practice.id)
    assert invitation["role"] == "referrer" and invitation["organization_id"] == str(practice.id)

    anonymous = await client_for("anonymous")
    accepted = await _accept(anonymous, await _token(session, invitation))
    assert accepted.status_code == 200, accepted.text
    signed_in = await anonymous.post("/v1/auth/token", data={"username": invitation["email"], "password": PASSWORD})
    assert signed_in.status_code == 200
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    me = (await anonymous.get("/v1/auth/me", headers=bearer)).json()
    assert me["role"] == "referrer" and me["organization_id"] == str(practice.id)

    listed = (await anonymous.get("/v1/referrals", headers=bearer, params={"limit": 200})).json()["items"]
    assert [r["id"] for r in listed] == [str(mine.id)]
    assert (await anonymous.get(f"/v1/referrals/{theirs.id}", headers=bearer)).status_code == 404
    # Nothing of the directory, analytics or administration: not even that they exist.
    for path in (
        "/v1/organizations",
        f"/v1/organizations/{other.id}",
        "/v1/providers",
        "/v1/analytics/summary",
        "/v1/users",
        "/v1/audit-events",
        f"/v1/organizations/{practice.id}/portal-users",
    ):
        response = await anonymous.get(path, headers=bearer)
        assert response.status_code == 404, (path, response.status_code)
    users = (await client.get(f"/v1/organizations/{practice.id}/portal-users")).json()
    assert [u["email"] for u in users] == [invitation["email"]]


async def test_expired_revoked_and_used_portal_links_are_dead(client, client_for, session):
    practice = await make_partner_organization(session)
    anonymous = await client_for("anonymous")

    expired = await _invite(client, practice.id)
    await session.execute(
        update(Invitation)
        .where(Invitation.id == uuid.UUID(expired["id"]))
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    answer = await _accept(anonymous, await _token(session, expired))
    assert answer.status_code == 410 and answer.json()["reason"] == "expired"

    revoked = await _invite(client, practice.id)
    assert (await client.post(f"/v1/invitations/{revoked['id']}/revoke")).status_code == 200
    answer = await _accept(anonymous, await _token(session, revoked))
    assert answer.status_code == 410 and answer.json()["reason"] == "revoked"

    used = await _invite(client, practice.id)
    token = await _token(session, used)
    assert (await _accept(anonymous, token)).status_code == 200
    answer = await _accept(anonymous, token)
    assert answer.status_code == 410 and answer.json()["reason"] == "accepted"


async def test_inviting_an_address_in_use_or_a_portal_role_without_a_practice_is_refused(client, session):
    practice = await make_partner_organization(session)
    staff = await make_user(session, role="intake")
    taken = await client.post(
        f"/v1/organizations/{practice.id}/portal-users", json={"email": staff.email, "full_name": "Someone Else"}
    )
    assert taken.status_code == 409 and "already exists" in taken.json()["detail"]
    pending = await _invite(client, practice.id)
    again = await client.post(
        f"/v1/organizations/{practice.id}/portal-users", json={"email": pending["email"], "full_name": "Dana Whitfield"}
    )
    assert again.status_code == 409 and "pending invitation" in again.json()["detail"]
    nowhere = await client.post(
        f"/v1/organizations/{uuid.uuid4()}/portal-users", json={"email": _email(), "full_name": "Dana Whitfield"}
    )
    assert nowhere.status_code == 404
    bad = await client.post(
        f"/v1/organizations/{practice.id}/portal-users", json={"email": "not an address", "full_name": "Dana"}
    )
    assert bad.status_code == 422
    staff_invite = await client.post(
        "/v1/invitations", json={"email": _email(), "full_name": "Dana Whitfield", "role": "referrer"}
    )
    assert staff_invite.status_code == 422 and "portal-users" in staff_invite.json()["detail"]
    staff_user = await client.post(
        "/v1/users",
        json={
            "email": _email(),
            "full_name": "Dana Whitfield",
            "role": "referrer",
            "password": "a long enough password",
        },
    )
    assert staff_user.status_code == 422 and "portal-users" in staff_user.json()["detail"]


def _portal_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route a referrer may call that names a referral."""
    from api.permissions import RULES

    found = []
    for route in app.routes:
        for context in getattr(route, "effective_route_contexts", lambda: [])():
            rule = RULES.get(context.unique_id)
            if rule and "referrer" in rule.allow and "{referral_id}" in context.path_format:
                found += [(m, context.path_format) for m in sorted(context.methods - {"HEAD", "OPTIONS"})]
    return found


async def test_a_portal_user_gets_404_for_every_route_and_id_of_another_practice(
    app, client, client_for, session, local_storage
):
    practice_b = await make_partner_organization(session)
    theirs = await make_referral(session, referring_organization_id=practice_b.id)
    document = await client.post(
        f"/v1/referrals/{theirs.id}/documents",
        data={"kind": "clinical_note", "title": "n"},
        files={"file": ("n.pdf", PDF, "application/pdf")},
    )
    assert document.status_code == 201
    assert (await client.post(f"/v1/referrals/{theirs.id}/messages-thread", json={"body": "For B"})).status_code == 201
    portal_a = await client_for("referrer")

    routes = _portal_routes(app)
    assert {p for _, p in routes} >= {
        "/v1/referrals/{referral_id}",
        "/v1/referrals/{referral_id}/messages-thread",
        "/v1/referrals/{referral_id}/portal-events",
        "/v1/referrals/{referral_id}/documents",
        "/v1/referrals/{referral_id}/documents/{document_id}/content",
    }
    for method, template in routes:
        path = template.replace("{referral_id}", str(theirs.id)).replace("{document_id}", document.json()["id"])
        kwargs = {}
        if method == "POST" and path.endswith("messages-thread"):
            kwargs = {"json": {"body": "hello"}}
        elif method == "POST":
            kwargs = {
                "data": {"kind": "clinical_note", "title": "x"},
                "files": {"file": ("x.pdf", PDF, "application/pdf")},
            }
        response = await portal_a.request(method, path, **kwargs)
        assert response.status_code == 404, (method, template, response.status_code, response.text[:200])
    for path, params in (("/v1/referrals", {}), ("/v1/search", {"q": "Maria"}), ("/v1/referral-counts", {})):
        response = await portal_a.get(path, params=params)
        assert response.status_code == 200, (path, response.text[:200])
        assert str(theirs.id) not in response.text
    count = (
        await session.execute(
            text("select count(*) from referral_thread_messages where referral_id = :r"), {"r": theirs.id}
        )
    ).scalar_one()
    assert count == 1  # nothing was written by the refused posts


async def test_a_portal_referral_is_the_practices_and_names_only_its_providers(client, client_for, session):
    practice = await make_partner_organization(session)
    own = await make_provider(session)
    session.add(Affiliation(provider_id=own.id, organization_id=practice.id))
    stranger = await make_provider(session)
    await session.flush()
    portal = await client_for("referrer", organization_id=practice.id)
    providers = (await portal.get("/v1/portal/providers")).json()
    assert [p["id"] for p in providers] == [str(own.id)]

    other = await make_partner_organization(session)
    created = await portal.post(
        "/v1/referrals",
        json=referral_payload(referring_provider_id=str(own.id), referring_organization_id=str(other.id)),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["referring_organization_id"] == str(practice.id) and body["source_channel"] == "portal"
    refused = await portal.post("/v1/referrals", json=referral_payload(referring_provider_id=str(stranger.id)))
    assert refused.status_code == 422 and "not one of your practice's providers" in refused.json()["detail"]


async def _thread_notices(session, referral_id) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage).where(OutboxMessage.referral_id == referral_id, OutboxMessage.kind == "thread_message")
    )
    return list(rows.scalars())


async def test_the_thread_notifies_the_other_side_without_the_words(client, client_for, session):
    practice = await make_partner_organization(session)
    referral = await make_referral(session, referring_organization_id=practice.id)
    intake = await make_user(session, role="intake")
    await session.execute(update(type(referral)).where(type(referral).id == referral.id).values(assignee_id=intake.id))
    colleague = await make_user(session, role="referrer", organization_id=practice.id)
    portal = await client_for("referrer", organization_id=practice.id)

    words = "Maria's echo from March is attached; she prefers mornings."
    posted = await portal.post(f"/v1/referrals/{referral.id}/messages-thread", json={"body": words})
    assert posted.status_code == 201 and posted.json()["side"] == "practice"
    [to_intake] = await _thread_notices(session, referral.id)
    assert to_intake.recipient_address == intake.email and to_intake.channel == "email"
    assert words not in str(to_intake.payload)
    preview = (await client.get(f"/v1/messages/{to_intake.id}")).json()
    assert "new message" in preview["subject"].lower() and "/referrals/" in preview["body"]
    for phi in ("Maria", "echo", referral.patient_family_name):
        assert phi not in preview["subject"] + preview["body"]

    reply = await client.post(f"/v1/referrals/{referral.id}/messages-thread", json={"body": "Booked for 9 am."})
    assert reply.status_code == 201 and reply.json()["side"] == "intake"
    to_practice = [m for m in await _thread_notices(session, referral.id) if m.id != to_intake.id]
    # Every active portal user of the practice hears of it (the poster, on the other side, too).
    assert {m.recipient_address for m in to_practice} >= {colleague.email}
    assert all("/portal/referrals/" in m.payload["path"] for m in to_practice)

    thread = (await portal.get(f"/v1/referrals/{referral.id}/messages-thread")).json()
    assert [(m["side"], m["body"]) for m in thread] == [("practice", words), ("intake", "Booked for 9 am.")]
    stored = (
        (
            await session.execute(
                text("select body from referral_thread_messages where referral_id = :r"), {"r": referral.id}
            )
        )
        .scalars()
        .all()
    )
    assert stored and all(words not in s and "Booked" not in s for s in stored)  # sealed at rest
    audited = (await client.get("/v1/audit-events", params={"entity_id": str(referral.id), "limit": 200})).json()
    assert "referral.thread_read" in {e["action"] for e in audited["items"]}


async def test_bad_thread_messages_get_a_clear_4xx_and_write_nothing(client, session):
    referral = await make_referral(session)
    for body, words in (
        (None, "body"),
        ("", "empty"),
        ("x" * 1_048_576, "at most 10000"),
        ("one\x00two", "NUL"),
        (12, "must be text"),
    ):
        response = await client.post(f"/v1/referrals/{referral.id}/messages-thread", json={"body": body})
        assert 400 <= response.status_code < 500, (words, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert words.lower() in response.text.lower(), (words, response.text[:300])
    assert await _thread_notices(session, referral.id) == []
    count = (
        await session.execute(
            text("select count(*) from referral_thread_messages where referral_id = :r"), {"r": referral.id}
        )
    ).scalar_one()
    assert count == 0


async def test_a_portal_document_of_the_wrong_type_is_refused(client_for, session, local_storage):
    practice = await make_partner_organization(session)
    referral = await make_referral(session, referring_organization_id=practice.id)
    portal = await client_for("referrer", organization_id=practice.id)
    zipped = b"PK\x03\x04" + b"\x00" * 40
    refused = await portal.post(
        f"/v1/referrals/{referral.id}/documents",
        data={"kind": "clinical_note", "title": "x"},
        files={"file": ("x.pdf", zipped, "application/pdf")},
    )
    assert refused.status_code == 422 and "not a PDF, an image or plain text" in refused.json()["detail"]
    accepted = await portal.post(
        f"/v1/referrals/{referral.id}/documents",
        data={"kind": "clinical_note", "title": "x"},
        files={"file": ("x.pdf", PDF, "application/pdf")},
    )
    assert accepted.status_code == 201
    listed = (await portal.get(f"/v1/referrals/{referral.id}/documents")).json()
    assert [d["id"] for d in listed] == [accepted.json()["id"]]


async def test_the_practice_timeline_leaves_out_internal_notes_and_shows_the_visit_summary(client, client_for, session):
    practice = await make_partner_organization(session)
    referral = await make_referral(session, status="accepted", referring_organization_id=practice.id)
    assert (
        await client.post(
            f"/v1/referrals/{referral.id}/notes", json={"text": "Internal: payer dispute, do not mention"}
        )
    ).status_code in (200, 201)
    booked = await client.post(
        "/v1/appointments", json={"referral_id": str(referral.id), "start": "2030-01-02T09:00:00Z"}
    )
    assert booked.status_code == 201, booked.text
    portal = await client_for("referrer", organization_id=practice.id)
    events = (await portal.get(f"/v1/referrals/{referral.id}/portal-events")).json()
    assert "payer dispute" not in str(events)
    assert {e["kind"] for e in events} <= {"created", "transition", "appointment"}
    assert any(e["appointment_start"] == "2030-01-02T09:00:00Z" for e in events)
    staff_view = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
    assert "payer dispute" in str(staff_view)  # the staff timeline keeps it


async def test_the_catalog_is_edited_by_admins_and_read_by_practices_with_the_current_wait(client, client_for, session):
    saved = await client.put(
        "/v1/catalog/cardiology",
        json={
            "referral_criteria": "Chest pain with an abnormal ECG; attach the ECG.",
            "payer_classes": ["commercial", "medicare"],
            "locations": ["Main campus, 2nd floor"],
            "scheduling_contact": {"name": "Cardiology scheduling", "phone": "+1 555 010 3000"},
        },
    )
    assert saved.status_code == 200, saved.text

    now = utcnow()
    for received_days_ago, days_to_appointment in ((20, 4), (30, 6), (10, 11), (200, 90)):
        referral = await make_referral(session, status="accepted", service_line="cardiology")
        await session.execute(
            text("update referrals set received_at = :at where id = :id"),
            {"at": now - timedelta(days=received_days_ago), "id": referral.id},
        )
        start = now - timedelta(days=received_days_ago - days_to_appointment)
        booked = await client.post(
            "/v1/appointments", json={"referral_id": str(referral.id), "start": start.isoformat()}
        )
        assert booked.status_code == 201, booked.text
    for reader in (await client_for("referrer"), await client_for("partner")):
        catalog = (await reader.get("/v1/catalog")).json()
        [cardiology] = [e for e in catalog if e["service_line"] == "cardiology"]
        assert cardiology["median_days_to_appointment"] == 6.0 and cardiology["appointments_counted"] == 3
        assert cardiology["payer_classes"] == ["commercial", "medicare"]
        assert cardiology["scheduling_contact"]["phone"] == "+1 555 010 3000"
        assert len(catalog) > 10  # every service line, described or not
    portal = await client_for("referrer")
    assert (await portal.put("/v1/catalog/cardiology", json={})).status_code == 404
    unknown = await client.put("/v1/catalog/astrology", json={})
    assert unknown.status_code == 404
    bad = await client.put("/v1/catalog/cardiology", json={"payer_classes": ["gold"], "locations": [7]})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"body.payer_classes.0", "body.locations.0"}
    assert re.search("payer_classes", bad.text)


async def test_fhir_healthcare_service_serves_the_catalog(client, client_for):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.healthcareservice import HealthcareService

    saved = await client.put(
        "/v1/catalog/family medicine",
        json={
            "referral_criteria": "Adults new to the area.",
            "payer_classes": ["medicaid"],
            "locations": ["North clinic"],
            "scheduling_contact": {"phone": "+1 555 010 4000", "hours": "Mon-Fri 8-5"},
        },
    )
    assert saved.status_code == 200, saved.text
    ehr = await client_for("ehr_client", scopes=["system/HealthcareService.read"])
    read = await ehr.get("/fhir/R4/HealthcareService/family-medicine")
    assert read.status_code == 200, read.text
    service = HealthcareService.model_validate(read.json())
    assert service.name == "Family medicine" and service.eligibility[0].comment == "Adults new to the area."
    assert [c.coding[0].code for c in service.characteristic] == ["medicaid"]
    assert service.location[0].display == "North clinic" and service.telecom[0].value == "+1 555 010 4000"

    found = await ehr.get("/fhir/R4/HealthcareService", params={"name": "family"})
    bundle = Bundle.model_validate(found.json())
    assert [e.resource.id for e in bundle.entry] == ["family-medicine"]
    everything = Bundle.model_validate((await ehr.get("/fhir/R4/HealthcareService", params={"_count": 5})).json())
    assert (
        len(everything.entry) == 5 and everything.total > 5 and any(link.relation == "next" for link in everything.link)
    )
    missing = await ehr.get("/fhir/R4/HealthcareService/astrology")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    unsupported = await ehr.get("/fhir/R4/HealthcareService", params={"colour": "blue"})
    assert unsupported.status_code == 400 and "not supported" in unsupported.text
    metadata = (await ehr.get("/fhir/R4/metadata")).json()
    assert "HealthcareService" in {r["type"] for r in metadata["rest"][0]["resource"]}


async def test_icd10_search_finds_codes_by_prefix_and_words_for_portal_users(client_for):
    portal = await client_for("referrer")
    by_code = (await portal.get("/v1/reference/icd10", params={"q": "i48.9"})).json()
    assert [e["key"] for e in by_code] == ["I48.91", "I48.92"]
    by_words = (await portal.get("/v1/reference/icd10", params={"q": "chest pain", "limit": 50})).json()
    assert {"key": "R07.9", "display": "Chest pain, unspecified"} in by_words
    assert all("chest pain" in e["display"].lower() for e in by_words)
    for params in ({"q": "x"}, {"q": "chest", "limit": 500}, {}):
        response = await portal.get("/v1/reference/icd10", params=params)
        assert response.status_code == 422, params
