"""ServiceRequest over FHIR: create (conditional), read, search, update, and the errors an EHR sees."""

import uuid

from sqlalchemy import text

from tests.factories import make_referral
from tests.fhir_examples import FHIR_JSON, assert_valid_r4, expressions, outcome_text, service_request

NPI = "http://hl7.org/fhir/sid/us-npi"


async def post(client, resource, **headers):
    return await client.post("/fhir/R4/ServiceRequest", json=resource, headers={**FHIR_JSON, **headers})


async def test_metadata_states_what_is_supported(client):
    response = await client.get("/fhir/R4/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert_valid_r4(body)
    rest = body["rest"][0]
    resources = {r["type"]: r for r in rest["resource"]}
    assert set(resources) == {
        "ServiceRequest",
        "Task",
        "Appointment",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Patient",
        "HealthcareService",
    }
    sr = resources["ServiceRequest"]
    assert sr["conditionalCreate"] is True and sr["updateCreate"] is True
    assert {i["code"] for i in sr["interaction"]} == {"create", "read", "update", "search-type"}
    assert {p["name"] for p in sr["searchParam"]} >= {"identifier", "status", "requester", "_lastUpdated"}
    assert {p["name"] for p in resources["Task"]["searchParam"]} >= {"based-on", "status", "_lastUpdated"}
    assert "update" not in {i["code"] for i in resources["Task"]["interaction"]}
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
    oauth = rest["security"]["extension"][0]
    assert oauth["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    assert oauth["extension"][0]["url"] == "token" and oauth["extension"][0]["valueUri"].startswith("http")


async def test_service_request_becomes_a_referral_with_the_same_id(client):
    response = await post(client, service_request())
    assert response.status_code == 201, response.text
    created = response.json()
    assert_valid_r4(created)
    assert response.headers["location"].endswith(f"/fhir/R4/ServiceRequest/{created['id']}/_history/1")
    assert response.headers["etag"] == 'W/"1"'
    referral = (await client.get(f"/v1/referrals/{created['id']}")).json()
    assert referral["id"] == created["id"]
    expected = {
        "given_name": "Maria T",
        "family_name": "Lopez",
        "birth_date": "1968-04-12",
        "sex": "female",
        "mrn": "MRN-77",
    }
    assert {k: referral["patient"][k] for k in expected} == expected
    assert (referral["service_line"], referral["specialty_code"]) == ("cardiology", "207RC0000X")
    assert (referral["urgency"], referral["icd10_codes"]) == ("urgent", ["R07.9"])
    assert "Exertional chest pain" in referral["reason"]
    assert (referral["source_channel"], referral["referral_source"]) == ("fhir", "physician")
    assert (referral["source_system"], referral["source_identifier"]) == ("urn:ehr:orders", "ORD-1")
    read = (await client.get(f"/fhir/R4/ServiceRequest/{created['id']}")).json()
    assert_valid_r4(read)
    assert read["note"] == [{"text": "Abnormal stress ECG last week."}]  # kept though nothing maps it
    assert (read["status"], read["priority"]) == ("active", "urgent")


async def test_the_original_is_stored_encrypted(client, session):
    created = (await post(client, service_request())).json()
    raw = (
        await session.execute(
            text("select fhir_resource from referrals where id = :id"), {"id": uuid.UUID(created["id"])}
        )
    ).scalar_one()
    assert raw and "Lopez" not in raw and "Abnormal" not in raw


async def test_requester_is_matched_in_the_directory_by_npi_or_created(client):
    doctor = {
        "resourceType": "Practitioner",
        "id": "doc",
        "identifier": [{"system": NPI, "value": "1234567893"}],
        "name": [{"family": "Shah", "given": ["Ravi"]}],
    }
    first = service_request(
        identifier=[{"system": "urn:ehr:orders", "value": "A-1"}],
        contained=[*service_request()["contained"], doctor],
        requester={"reference": "#doc"},
    )
    created = (await post(client, first)).json()
    provider_id = (await client.get(f"/v1/referrals/{created['id']}")).json()["referring_provider_id"]
    assert provider_id is not None  # the contained requester was not in the directory: now it is
    practitioner = (await client.get(f"/fhir/R4/Practitioner/{provider_id}")).json()
    assert_valid_r4(practitioner)
    assert practitioner["name"][0]["family"] == "Shah"
    by_npi = service_request(
        identifier=[{"system": "urn:ehr:orders", "value": "A-2"}],
        requester={"identifier": {"system": NPI, "value": "1234567893"}},
    )
    second = (await post(client, by_npi)).json()
    assert (await client.get(f"/v1/referrals/{second['id']}")).json()["referring_provider_id"] == provider_id
    by_reference = service_request(
        identifier=[{"system": "urn:ehr:orders", "value": "A-3"}],
        requester={"reference": f"Practitioner/{provider_id}"},
    )
    third = (await post(client, by_reference)).json()
    assert (await client.get(f"/v1/referrals/{third['id']}")).json()["referring_provider_id"] == provider_id
    again = await client.post("/fhir/R4/Practitioner", json=doctor, headers=FHIR_JSON)
    assert (again.status_code, again.json()["id"]) == (200, provider_id)  # upsert by NPI, not a second entry


async def test_a_hospital_requester_makes_a_hospital_referral(client):
    hospital = await client.post(
        "/fhir/R4/Organization",
        headers=FHIR_JSON,
        json={
            "resourceType": "Organization",
            "name": "St Mary Hospital",
            "identifier": [{"system": NPI, "value": "1588667638"}],
            "type": [
                {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov"}]}
            ],
        },
    )
    assert hospital.status_code == 201, hospital.text
    created = (
        await post(client, service_request(requester={"reference": f"Organization/{hospital.json()['id']}"}))
    ).json()
    referral = (await client.get(f"/v1/referrals/{created['id']}")).json()
    assert (referral["referral_source"], referral["referring_organization_id"]) == ("hospital", hospital.json()["id"])


async def test_insurance_becomes_the_payer(client):
    coverage = {
        "resourceType": "Coverage",
        "id": "cov",
        "status": "active",
        "beneficiary": {"reference": "#pat"},
        "payor": [{"display": "Medicare Part B"}],
        "type": {"text": "Medicare"},
    }
    resource = service_request(contained=[*service_request()["contained"], coverage], insurance=[{"reference": "#cov"}])
    created = (await post(client, resource)).json()
    referral = (await client.get(f"/v1/referrals/{created['id']}")).json()
    assert (referral["payer_name"], referral["payer_class"]) == ("Medicare Part B", "medicare")


async def test_a_referral_without_the_patients_birth_date_is_422_naming_the_path(client):
    resource = service_request()
    del resource["contained"][0]["birthDate"]
    response = await post(client, resource)
    assert response.status_code == 422
    assert expressions(response.json()) == ["ServiceRequest.contained[0].birthDate"]
    assert "birth date" in outcome_text(response.json())
    found = (await client.get("/fhir/R4/ServiceRequest", params={"identifier": "urn:ehr:orders|ORD-1"})).json()
    assert found.get("entry", []) == []  # nothing half-written


async def test_an_unknown_subject_is_422_naming_subject(client):
    response = await post(client, service_request(subject={"reference": "Patient/nobody"}))
    assert response.status_code == 422
    assert expressions(response.json()) == ["ServiceRequest.subject"]


async def test_resent_service_request_is_the_same_referral(client):
    first = await post(client, service_request(), **{"If-None-Exist": "identifier=urn:ehr:orders|ORD-1"})
    again = await post(client, service_request(), **{"If-None-Exist": "identifier=urn:ehr:orders|ORD-1"})
    plain = await post(client, service_request())
    assert (first.status_code, again.status_code, plain.status_code) == (201, 200, 200)
    assert first.json()["id"] == again.json()["id"] == plain.json()["id"]
    assert_valid_r4(again.json())
    found = (await client.get("/fhir/R4/ServiceRequest", params={"identifier": "urn:ehr:orders|ORD-1"})).json()
    assert len(found["entry"]) == 1


async def test_if_none_exist_takes_only_an_identifier(client):
    response = await post(client, service_request(), **{"If-None-Exist": "status=active"})
    assert response.status_code == 400
    assert expressions(response.json()) == ["header.If-None-Exist"]


async def test_wrong_media_type_is_415_as_an_operation_outcome(client):
    response = await client.post(
        "/fhir/R4/ServiceRequest", content=b"<ServiceRequest/>", headers={"Content-Type": "application/fhir+xml"}
    )
    assert response.status_code == 415
    assert "application/fhir+json" in outcome_text(response.json())
    plain_json = await client.post(
        "/fhir/R4/ServiceRequest", json=service_request(), headers={"Content-Type": "application/json"}
    )
    assert plain_json.status_code == 201


async def test_malformed_requests_are_400_and_unknown_ones_404(client):
    not_json = await client.post("/fhir/R4/ServiceRequest", content=b"{nope", headers=FHIR_JSON)
    assert not_json.status_code == 400 and outcome_text(not_json.json())
    wrong_type = await client.post("/fhir/R4/ServiceRequest", json={"resourceType": "Patient"}, headers=FHIR_JSON)
    assert wrong_type.status_code == 400 and expressions(wrong_type.json()) == ["resourceType"]
    bad_element = await post(client, service_request(subject="Patient/1"))
    assert bad_element.status_code == 400 and "ServiceRequest.subject" in expressions(bad_element.json())
    for path in (f"/fhir/R4/ServiceRequest/{uuid.uuid4()}", "/fhir/R4/ServiceRequest/not-ours", "/fhir/R4/Observation"):
        missing = await client.get(path)
        assert missing.status_code == 404, path
        assert outcome_text(missing.json())
    delete = await client.delete(f"/fhir/R4/ServiceRequest/{uuid.uuid4()}")
    assert delete.status_code == 405 and outcome_text(delete.json())


async def test_read_shows_the_state_of_the_referral(client, session):
    created = (await post(client, service_request())).json()
    await client.post(f"/v1/referrals/{created['id']}/transitions", json={"to": "declined", "reason": "misdirected"})
    read = (await client.get(f"/fhir/R4/ServiceRequest/{created['id']}")).json()
    assert read["status"] == "revoked" and int(read["meta"]["versionId"]) > 1
    closed = await make_referral(session, status="closed")
    rendered = (await client.get(f"/fhir/R4/ServiceRequest/{closed.id}")).json()
    assert_valid_r4(rendered)  # a referral keyed in by staff has a ServiceRequest too
    assert rendered["status"] == "completed"
    assert rendered["contained"][0]["birthDate"] == "1968-04-12"


async def test_search_by_identifier_status_requester_and_last_updated(client, session):
    mine = (await post(client, service_request())).json()
    other = (await post(client, service_request(identifier=[{"system": "urn:ehr:orders", "value": "ORD-2"}]))).json()
    await client.post(f"/v1/referrals/{other['id']}/transitions", json={"to": "declined", "reason": "misdirected"})

    async def ids(**params):
        response = await client.get("/fhir/R4/ServiceRequest", params=params)
        assert response.status_code == 200, response.text
        assert_valid_r4(response.json())
        return {e["resource"]["id"] for e in response.json().get("entry", [])}

    assert await ids(identifier="urn:ehr:orders|ORD-1") == {mine["id"]}
    assert await ids(identifier="ORD-2") == {other["id"]}
    assert await ids(status="revoked") == {other["id"]}
    assert mine["id"] in await ids(status="active,completed")
    assert await ids(_lastUpdated="lt2000-01-01") == set()
    assert {mine["id"], other["id"]} <= await ids(_lastUpdated=f"ge{mine['meta']['lastUpdated'][:10]}")
    assert await ids(requester="Practitioner/nobody") == set()
    bad = await client.get("/fhir/R4/ServiceRequest", params={"patient": "Patient/1"})
    assert bad.status_code == 400 and expressions(bad.json()) == ["patient"]


async def test_search_pages_with_count_and_next_links(client) -> None:
    made: set[str] = set()
    for n in range(5):
        made.add(
            (await post(client, service_request(identifier=[{"system": "urn:page", "value": str(n)}]))).json()["id"]
        )
    seen: list[str] = []
    url = "/fhir/R4/ServiceRequest?_count=2&_lastUpdated=ge2020-01-01"
    for _ in range(10):
        page = (await client.get(url)).json()
        assert_valid_r4(page)
        assert len(page.get("entry", [])) <= 2
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        url = nxt[0].removeprefix("http://test")
    assert made <= set(seen) and len(seen) == len(set(seen))


async def test_put_updates_the_referral_and_keeps_the_new_original(client):
    created = (await post(client, service_request())).json()
    changed = dict(created, priority="stat", note=[{"text": "Now with syncope."}])
    changed.pop("meta")
    response = await client.put(
        f"/fhir/R4/ServiceRequest/{created['id']}", json=changed, headers={**FHIR_JSON, "If-Match": 'W/"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["versionId"] == "2"
    referral = (await client.get(f"/v1/referrals/{created['id']}")).json()
    assert referral["urgency"] == "stat"
    assert (await client.get(f"/fhir/R4/ServiceRequest/{created['id']}")).json()["note"][0][
        "text"
    ] == "Now with syncope."
    stale = await client.put(
        f"/fhir/R4/ServiceRequest/{created['id']}", json=changed, headers={**FHIR_JSON, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412 and outcome_text(stale.json())
    mismatch = await client.put(f"/fhir/R4/ServiceRequest/{uuid.uuid4()}", json=changed, headers=FHIR_JSON)
    assert mismatch.status_code == 400 and expressions(mismatch.json()) == ["ServiceRequest.id"]


async def test_put_with_a_new_client_id_creates_the_referral_at_that_id(client):
    new_id = str(uuid.uuid4())
    response = await client.put(f"/fhir/R4/ServiceRequest/{new_id}", json=service_request(id=new_id), headers=FHIR_JSON)
    assert (response.status_code, response.json()["id"]) == (201, new_id)
    assert (await client.get(f"/v1/referrals/{new_id}")).status_code == 200
    not_uuid = await client.put("/fhir/R4/ServiceRequest/abc", json=service_request(id="abc"), headers=FHIR_JSON)
    assert not_uuid.status_code == 400 and expressions(not_uuid.json()) == ["ServiceRequest.id"]
    # The placer identifier is already that referral's: another client id for it is a conflict.
    clash_id = str(uuid.uuid4())
    clash = await client.put(
        f"/fhir/R4/ServiceRequest/{clash_id}", json=service_request(id=clash_id), headers=FHIR_JSON
    )
    assert clash.status_code == 409 and expressions(clash.json()) == ["ServiceRequest.identifier"]
