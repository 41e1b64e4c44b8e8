"""Organizations in the directory: create, read, edit with If-Match, filter and page."""

import uuid

from tests.factories import make_organization, valid_npi


async def test_created_organization_reads_back_with_its_etag(client):
    body = {
        "name": "Lakeside Cardiology Group",
        "kind": "practice",
        "npi": valid_npi(),
        "contact_points": [{"system": "fax", "value": "+1 555 010 3000", "use": "work"}],
        "address": {"line": ["12 Harbor St"], "city": "Portland", "state": "ME", "postal_code": "04101"},
    }
    created = await client.post("/v1/organizations", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    read = await client.get(created.headers["Location"])
    assert read.status_code == 200
    assert read.json()["name"] == "Lakeside Cardiology Group"
    assert read.json()["contact_points"] == [{"system": "fax", "value": "+15550103000", "use": "work"}]  # E.164
    assert read.json()["internal"] is False


async def test_unknown_organization_is_404_problem(client):
    response = await client.get(f"/v1/organizations/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_editing_an_organization_needs_the_current_etag(client, session):
    organization = await make_organization(session)
    url = f"/v1/organizations/{organization.id}"
    missing = await client.patch(url, json={"name": "Renamed"})
    assert missing.status_code == 428
    ok = await client.patch(url, json={"name": "Renamed"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["name"], ok.headers["ETag"]) == ("Renamed", '"2"')
    stale = await client.patch(url, json={"name": "Overwritten"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(url)).json()["name"] == "Renamed"


async def test_required_field_sent_as_null_is_422_naming_it(client, session):
    organization = await make_organization(session)
    response = await client.patch(
        f"/v1/organizations/{organization.id}", json={"name": None}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"


async def test_duplicate_organization_npi_is_409_naming_npi(client, session):
    npi = valid_npi()
    await make_organization(session, npi=npi)
    response = await client.post("/v1/organizations", json={"name": "Copy", "kind": "practice", "npi": npi})
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "body.npi", "message": "already in use"}]


async def test_unknown_or_circular_parent_is_422_naming_parent_id(client, session):
    unknown = await client.post(
        "/v1/organizations", json={"name": "Clinic", "kind": "practice", "parent_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.parent_id"
    system = await make_organization(session, kind="health_system")
    clinic = await make_organization(session, parent_id=str(system.id))
    circular = await client.patch(
        f"/v1/organizations/{system.id}", json={"parent_id": str(clinic.id)}, headers={"If-Match": '"1"'}
    )
    assert circular.status_code == 422
    assert circular.json()["errors"][0]["field"] == "body.parent_id"


async def test_name_filter_ignores_case_and_matches_inside_the_name(client, session):
    tag = uuid.uuid4().hex[:8]
    await make_organization(session, name=f"North {tag} Orthopedics")
    await make_organization(session, name=f"{tag.upper()} Heart Center")
    await make_organization(session, name="Unrelated Clinic")
    await make_organization(session, name="100% Pediatrics")
    names = [o["name"] for o in (await client.get("/v1/organizations", params={"name": tag})).json()["items"]]
    assert sorted(names) == sorted([f"North {tag} Orthopedics", f"{tag.upper()} Heart Center"])
    # A % in the search is a literal character, not a wildcard.
    literal = (await client.get("/v1/organizations", params={"name": "0% pedi"})).json()["items"]
    assert [o["name"] for o in literal] == ["100% Pediatrics"]


async def test_filters_by_kind_internal_and_npi(client, session):
    npi = valid_npi()
    hospital = await make_organization(session, kind="hospital", internal=True, npi=npi)
    await make_organization(session, kind="hospital", internal=False)
    await make_organization(session, kind="practice", internal=True)
    internal_hospitals = (await client.get("/v1/organizations", params={"kind": "hospital", "internal": "true"})).json()
    assert [o["id"] for o in internal_hospitals["items"]] == [str(hospital.id)]
    by_npi = (await client.get("/v1/organizations", params={"npi": npi})).json()["items"]
    assert [o["id"] for o in by_npi] == [str(hospital.id)]


async def test_pages_cover_every_organization_once_in_name_order(client, session):
    tag = uuid.uuid4().hex[:8]
    # Repeated names: the cursor must break ties by id, not skip or repeat rows.
    names = [f"{tag} {letter}" for letter in "ccbbaaedde"]
    for name in names:
        await make_organization(session, name=name)
    for sort, expect in (("name", sorted(names)), ("-name", sorted(names, reverse=True))):
        seen, cursor = [], None
        for _ in range(10):
            params = {"name": tag, "limit": 3, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/v1/organizations", params=params)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [o["name"] for o in seen] == expect
        assert len({o["id"] for o in seen}) == len(names)


async def test_a_cursor_we_did_not_issue_is_422(client):
    response = await client.get("/v1/organizations", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"
