"""The physician directory: providers, their NPI, specialties, affiliations, office staff, duplicates, merges."""

import uuid

import pytest

from domain.providers import service
from domain.providers.errors import DuplicateNpi
from domain.providers.schemas import ProviderCreate, npi_check_digit_ok
from tests.factories import make_organization, make_provider, make_referral, valid_npi

CARDIOLOGY = {"code": "207RC0000X", "display": "Cardiovascular Disease", "primary": True}
FAMILY = {"code": "207Q00000X", "display": "Family Medicine"}


def test_npi_check_digit_follows_the_cms_luhn_rule():
    assert npi_check_digit_ok("1234567893")  # the example in the CMS NPI check-digit paper
    assert not npi_check_digit_ok("1234567890")


async def test_provider_is_created_with_affiliations_staff_and_contact_points(client, session):
    practice = await make_organization(session)
    hospital = await make_organization(session, kind="hospital")
    body = {
        "npi": valid_npi(),
        "prefix": "Dr.",
        "given_name": "Grace",
        "family_name": "Okafor",
        "credentials": ["MD", "FACC"],
        "specialties": [CARDIOLOGY, FAMILY],
        "preferred_contact_method": "fax",
        "contact_points": [{"system": "fax", "value": "+1 555 010 4000", "use": "work"}],
        "affiliations": [
            {"organization_id": str(practice.id), "role": "owner"},
            {"organization_id": str(hospital.id), "role": "hospital_privileges"},
        ],
        "staff": [{"name": "Tom Reyes", "role": "referral_coordinator", "phone": "555 010 4001"}],
    }
    created = await client.post("/v1/providers", json=body)
    assert created.status_code == 201, created.text
    provider = (await client.get(created.headers["Location"])).json()
    assert (provider["kind"], provider["status"], provider["version"]) == ("external", "active", 1)
    assert {(a["organization_name"], a["role"]) for a in provider["affiliations"]} == {
        (practice.name, "owner"),
        (hospital.name, "hospital_privileges"),
    }
    assert [(s["name"], s["role"]) for s in provider["staff"]] == [("Tom Reyes", "referral_coordinator")]
    assert provider["specialties"][0] == CARDIOLOGY
    # Phone numbers come back in E.164, whatever spelling was sent.
    assert provider["contact_points"] == [{"system": "fax", "value": "+15550104000", "use": "work"}]
    assert provider["staff"][0]["phone"] == "+15550104001"


async def test_resending_a_create_with_the_same_idempotency_key_is_one_provider(client):
    body = {"given_name": "Ruth", "family_name": f"Idem{uuid.uuid4().hex[:6]}"}
    first = await client.post("/v1/providers", json=body, headers={"Idempotency-Key": "new-physician-1"})
    again = await client.post("/v1/providers", json=body, headers={"Idempotency-Key": "new-physician-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    listed = (await client.get("/v1/providers", params={"name": body["family_name"]})).json()["items"]
    assert len(listed) == 1
    other = await client.post(
        "/v1/providers", json=body | {"given_name": "Rita"}, headers={"Idempotency-Key": "new-physician-1"}
    )
    assert other.status_code == 422


async def test_npi_with_a_wrong_check_digit_is_422_naming_npi(client):
    response = await client.post("/v1/providers", json={"given_name": "A", "family_name": "B", "npi": "1234567890"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["body.npi"]
    assert "check digit" in response.json()["errors"][0]["message"]
    ok = await client.post("/v1/providers", json={"given_name": "A", "family_name": "B", "npi": "1234567893"})
    assert ok.status_code == 201, ok.text


async def test_duplicate_npi_is_409_naming_npi_on_create_and_edit(client, session):
    npi = valid_npi()
    first = await make_provider(session, npi=npi)
    again = await client.post("/v1/providers", json={"given_name": "A", "family_name": "B", "npi": npi})
    assert again.status_code == 409
    assert again.json()["errors"] == [{"field": "body.npi", "message": "already in use"}]
    assert str(first.id) in again.json()["detail"]
    other = await make_provider(session)
    edit = await client.patch(f"/v1/providers/{other.id}", json={"npi": npi}, headers={"If-Match": '"1"'})
    assert edit.status_code == 409
    assert (await client.get(f"/v1/providers/{other.id}")).json()["npi"] is None


async def test_npi_taken_between_check_and_insert_is_a_conflict_naming_npi(session, monkeypatch):
    npi = valid_npi()
    await make_provider(session, npi=npi)

    async def race_lost(*args, **kwargs):  # the other writer commits after our check
        return None

    monkeypatch.setattr(service, "_check_provider_npi", race_lost)
    with pytest.raises(DuplicateNpi) as raised:
        await service.create_provider(session, data=ProviderCreate(given_name="A", family_name="B", npi=npi))
    assert (raised.value.status, raised.value.extra["errors"][0]["field"]) == (409, "body.npi")


async def test_unknown_organization_in_affiliations_is_422_naming_the_field(client, session):
    practice = await make_organization(session)
    body = {
        "given_name": "A",
        "family_name": "B",
        "affiliations": [
            {"organization_id": str(practice.id)},
            {"organization_id": str(uuid.uuid4()), "role": "hospital_privileges"},
        ],
    }
    response = await client.post("/v1/providers", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.affiliations.1.organization_id"
    listed = (await client.get("/v1/providers", params={"name": "B", "organization_id": str(practice.id)})).json()
    assert listed["items"] == []  # nothing half-written


async def test_specialties_need_a_nucc_code_and_at_most_one_primary(client):
    two_primary = await client.post(
        "/v1/providers",
        json={
            "given_name": "A",
            "family_name": "B",
            "specialties": [CARDIOLOGY, FAMILY | {"primary": True}],
        },
    )
    assert two_primary.status_code == 422
    assert two_primary.json()["errors"][0]["field"] == "body.specialties"
    bad_code = await client.post(
        "/v1/providers",
        json={
            "given_name": "A",
            "family_name": "B",
            "specialties": [{"code": "cardiology", "display": "Cardiology"}],
        },
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["field"] == "body.specialties.0.code"


async def test_editing_a_provider_needs_the_current_etag(client, session):
    provider = await make_provider(session)
    url = f"/v1/providers/{provider.id}"
    assert (await client.patch(url, json={"status": "inactive"})).status_code == 428
    ok = await client.patch(url, json={"status": "inactive"}, headers={"If-Match": '"1"'})
    assert (ok.status_code, ok.json()["status"], ok.headers["ETag"]) == (200, "inactive", '"2"')
    stale = await client.patch(url, json={"status": "active"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(url)).json()["status"] == "inactive"


async def test_sending_affiliations_replaces_the_list(client, session):
    practice = await make_organization(session)
    hospital = await make_organization(session, kind="hospital")
    provider = await make_provider(session, affiliations=[{"organization_id": str(practice.id)}])
    response = await client.patch(
        f"/v1/providers/{provider.id}",
        headers={"If-Match": '"1"'},
        json={
            "affiliations": [
                {"organization_id": str(practice.id)},
                {"organization_id": str(hospital.id), "role": "hospital_privileges"},
            ]
        },
    )
    assert response.status_code == 200, response.text
    kept_id = next(a["id"] for a in response.json()["affiliations"] if a["organization_id"] == str(practice.id))
    assert kept_id == str(provider.affiliations[0].id)  # the unchanged row is kept, not rewritten
    response = await client.patch(
        f"/v1/providers/{provider.id}",
        headers={"If-Match": '"2"'},
        json={"affiliations": [{"organization_id": str(hospital.id), "role": "hospital_privileges"}]},
    )
    assert [(a["organization_id"], a["role"]) for a in response.json()["affiliations"]] == [
        (str(hospital.id), "hospital_privileges")
    ]


async def test_specialty_filter_finds_providers_by_nucc_code(client, session):
    tag = uuid.uuid4().hex[:6]
    cardiologist = await make_provider(session, family_name=f"Heart{tag}", specialties=[CARDIOLOGY])
    await make_provider(session, family_name=f"Family{tag}", specialties=[FAMILY])
    both = await make_provider(session, family_name=f"Both{tag}", specialties=[FAMILY, CARDIOLOGY])
    found = (await client.get("/v1/providers", params={"specialty": "207RC0000X"})).json()["items"]
    assert {p["id"] for p in found} >= {str(cardiologist.id), str(both.id)}
    assert all(any(s["code"] == "207RC0000X" for s in p["specialties"]) for p in found)


async def test_name_filter_matches_the_start_of_given_or_family_name_in_any_case(client, session):
    tag = uuid.uuid4().hex[:6]
    smith = await make_provider(session, given_name="Johanna", family_name=f"Smith{tag}")
    await make_provider(session, given_name="Mary", family_name=f"Smith{tag}")
    await make_provider(session, given_name="Jo", family_name=f"Blacksmith{tag}")
    found = (await client.get("/v1/providers", params={"name": f"SMITH{tag} joh"})).json()["items"]
    assert [p["id"] for p in found] == [str(smith.id)]


async def test_organization_kind_and_status_filters(client, session):
    practice = await make_organization(session)
    member = await make_provider(session, kind="internal", affiliations=[{"organization_id": str(practice.id)}])
    await make_provider(session, kind="external", affiliations=[{"organization_id": str(practice.id)}])
    await make_provider(session, kind="internal")
    found = (await client.get("/v1/providers", params={"organization_id": str(practice.id), "kind": "internal"})).json()
    assert [p["id"] for p in found["items"]] == [str(member.id)]
    inactive = (
        await client.get("/v1/providers", params={"organization_id": str(practice.id), "status": "inactive"})
    ).json()
    assert inactive["items"] == []


async def test_pages_cover_every_provider_once_in_family_name_order(client, session):
    practice = await make_organization(session)
    families = ["Diaz", "Adams", "Diaz", "Baker", "Adams", "Diaz", "Chen", "Baker"]
    for family in families:
        await make_provider(session, family_name=family, affiliations=[{"organization_id": str(practice.id)}])
    for sort, expect in (("family_name", sorted(families)), ("-family_name", sorted(families, reverse=True))):
        seen, cursor = [], None
        for _ in range(10):
            params = {"organization_id": str(practice.id), "limit": 3, "sort": sort} | (
                {"cursor": cursor} if cursor else {}
            )
            page = (await client.get("/v1/providers", params=params)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [p["family_name"] for p in seen] == expect
        assert len({p["id"] for p in seen}) == len(families)


async def test_office_staff_can_be_added_edited_and_removed(client, session):
    provider = await make_provider(session)
    base = f"/v1/providers/{provider.id}/staff"
    added = await client.post(base, json={"name": "Lena Park", "role": "scheduler", "email": "lena@example.org"})
    assert added.status_code == 201, added.text
    staff_url = added.headers["Location"]
    assert (await client.patch(staff_url, json={"role": "office_manager"})).status_code == 428
    edited = await client.patch(staff_url, json={"role": "office_manager"}, headers={"If-Match": '"1"'})
    assert (edited.status_code, edited.json()["role"]) == (200, "office_manager")
    assert [s["role"] for s in (await client.get(f"/v1/providers/{provider.id}")).json()["staff"]] == ["office_manager"]
    other = await make_provider(session)
    assert (await client.delete(f"/v1/providers/{other.id}/staff/{added.json()['id']}")).status_code == 404
    assert (await client.delete(staff_url)).status_code == 204
    assert (await client.get(base)).json() == []


async def test_duplicates_rank_a_similar_name_with_the_same_phone_first(client, session):
    tag = uuid.uuid4().hex[:6]
    phone = [{"system": "phone", "value": "(555) 010-7777"}]
    original = await make_provider(session, given_name="Jonathan", family_name=f"Whit{tag}", contact_points=phone)
    same_phone = await make_provider(
        session,
        given_name="Jonathon",
        family_name=f"Whit{tag}",
        contact_points=[{"system": "fax", "value": "+1 555.010.7777"}],
    )
    swapped = await make_provider(session, given_name=f"Whit{tag}", family_name="Jonathan")
    colleague = await make_provider(session, given_name="Mary", family_name=f"Kowalski{tag}", contact_points=phone)
    other_npi = await make_provider(session, given_name="Jonathan", family_name=f"Whit{tag}", npi=valid_npi())
    await client.patch(f"/v1/providers/{original.id}", json={"npi": valid_npi()}, headers={"If-Match": '"1"'})
    found = (await client.get(f"/v1/providers/{original.id}/duplicates")).json()
    ids = [d["provider"]["id"] for d in found]
    assert ids[:2] == [str(same_phone.id), str(swapped.id)]
    assert "same_phone" in found[0]["reasons"]
    assert str(colleague.id) not in ids  # a shared office phone alone is not a duplicate
    assert str(other_npi.id) not in ids  # two different NPIs are two people
    assert str(original.id) not in ids


async def test_merge_moves_referrals_affiliations_and_staff_to_the_survivor(client, session):
    practice = await make_organization(session)
    npi = valid_npi()
    duplicate = await make_provider(
        session,
        npi=npi,
        affiliations=[{"organization_id": str(practice.id)}],
        staff=[{"name": "Ana Ruiz", "role": "scheduler"}],
        contact_points=[{"system": "fax", "value": "555 010 9999"}],
    )
    survivor = await make_provider(session, affiliations=[{"organization_id": str(practice.id)}])
    referrals = [await make_referral(session, referring_provider_id=str(duplicate.id)) for _ in range(2)]
    versions = {r.id: r.version for r in referrals}
    untouched = await make_referral(session)

    response = await client.post(f"/v1/providers/{duplicate.id}/merge", json={"into_id": str(survivor.id)})
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == str(survivor.id)
    assert merged["npi"] == npi
    assert [a["organization_id"] for a in merged["affiliations"]] == [str(practice.id)]
    assert [s["name"] for s in merged["staff"]] == ["Ana Ruiz"]
    assert {"system": "fax", "value": "+15550109999"} in [
        {k: v for k, v in cp.items() if v is not None} for cp in merged["contact_points"]
    ]
    old = (await client.get(f"/v1/providers/{duplicate.id}")).json()
    assert (old["status"], old["merged_into_id"], old["npi"]) == ("merged", str(survivor.id), None)
    for referral in referrals:
        after = (await client.get(f"/v1/referrals/{referral.id}")).json()
        assert after["referring_provider_id"] == str(survivor.id)
        assert after["version"] == versions[referral.id] + 1
        events = (await client.get(f"/v1/referrals/{referral.id}/events")).json()["items"]
        assert events[-1]["detail"]["merged_into"] == str(survivor.id)
    assert (await client.get(f"/v1/referrals/{untouched.id}")).json()["referring_provider_id"] is None
    by_referrer = (await client.get("/v1/referrals", params={"referring_provider_id": str(duplicate.id)})).json()
    assert by_referrer["items"] == []


async def test_merging_into_itself_or_into_a_merged_provider_is_409(client, session):
    a, b, c = [await make_provider(session) for _ in range(3)]
    itself = await client.post(f"/v1/providers/{a.id}/merge", json={"into_id": str(a.id)})
    assert itself.status_code == 409
    assert (await client.post(f"/v1/providers/{b.id}/merge", json={"into_id": str(c.id)})).status_code == 200
    into_merged = await client.post(f"/v1/providers/{a.id}/merge", json={"into_id": str(b.id)})
    assert into_merged.status_code == 409
    assert into_merged.json()["errors"][0]["field"] == "body.into_id"
    again = await client.post(f"/v1/providers/{b.id}/merge", json={"into_id": str(a.id)})
    assert again.status_code == 409
    unknown = await client.post(f"/v1/providers/{a.id}/merge", json={"into_id": str(uuid.uuid4())})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.into_id"
    assert (await client.get(f"/v1/providers/{a.id}")).json()["status"] == "active"


async def test_merged_provider_leaves_the_directory_list_and_cannot_be_edited(client, session):
    practice = await make_organization(session)
    gone, kept = [await make_provider(session, affiliations=[{"organization_id": str(practice.id)}]) for _ in range(2)]
    await client.post(f"/v1/providers/{gone.id}/merge", json={"into_id": str(kept.id)})
    listed = (await client.get("/v1/providers", params={"organization_id": str(practice.id)})).json()["items"]
    assert [p["id"] for p in listed] == [str(kept.id)]
    merged = (await client.get("/v1/providers", params={"status": "merged", "name": gone.family_name})).json()["items"]
    assert [p["id"] for p in merged] == [str(gone.id)]
    edit = await client.patch(f"/v1/providers/{gone.id}", json={"notes": "x"}, headers={"If-Match": '"2"'})
    assert edit.status_code == 409
    assert str(kept.id) in edit.json()["detail"]
