"""Practitioner, PractitionerRole and Organization over FHIR land in the directory the web app uses."""

from tests.fhir_examples import FHIR_JSON, assert_valid_r4, expressions, load, outcome_text

NPI = "http://hl7.org/fhir/sid/us-npi"


def practitioner(family="Water", npi="9941339100", **extra) -> dict:
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": NPI, "value": npi}],
        "name": [{"family": family, "given": ["Jan"], "prefix": ["Dr"]}],
        "telecom": [
            {"system": "phone", "value": "639 442 6719", "use": "work"},
            {"system": "phone", "value": "ask the front desk"},
        ],
        **extra,
    }


async def test_practitioner_is_upserted_by_npi_into_the_directory(client):
    first = await client.post("/fhir/R4/Practitioner", json=practitioner(), headers=FHIR_JSON)
    assert first.status_code == 201, first.text
    provider_id = first.json()["id"]
    renamed = await client.post("/fhir/R4/Practitioner", json=practitioner(family="Waters"), headers=FHIR_JSON)
    assert (renamed.status_code, renamed.json()["id"]) == (200, provider_id)
    assert_valid_r4(renamed.json())
    provider = (await client.get(f"/v1/providers/{provider_id}")).json()
    assert (provider["npi"], provider["family_name"], provider["prefix"]) == ("9941339100", "Waters", "Dr")
    # The directory keeps the numbers it can dial; the FHIR original keeps them all.
    assert [p["value"] for p in provider["contact_points"]] == ["+16394426719"]  # E.164
    read = (await client.get(f"/fhir/R4/Practitioner/{provider_id}")).json()
    assert len(read["telecom"]) == 2


async def test_put_under_the_senders_id_keeps_that_id_meaningful(client):
    created = await client.put(
        "/fhir/R4/Practitioner/practitioner-1", json=load("hl7-us-core/practitioner-1.json"), headers=FHIR_JSON
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "practitioner-1"
    updated = dict(created.json(), active=False)
    response = await client.put(
        "/fhir/R4/Practitioner/practitioner-1", json=updated, headers={**FHIR_JSON, "If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    stale = await client.put(
        "/fhir/R4/Practitioner/practitioner-1", json=updated, headers={**FHIR_JSON, "If-Match": created.headers["etag"]}
    )
    assert stale.status_code == 412
    read = (await client.get("/fhir/R4/Practitioner/practitioner-1")).json()
    assert read["active"] is False and read["identifier"][0]["value"] == "9941339100"


async def test_bad_or_taken_npis_are_refused(client):
    bad = await client.post("/fhir/R4/Practitioner", json=practitioner(npi="9941339101"), headers=FHIR_JSON)
    assert bad.status_code == 422 and expressions(bad.json()) == ["Practitioner.identifier[0].value"]
    taken_by = (await client.post("/fhir/R4/Practitioner", json=practitioner(), headers=FHIR_JSON)).json()["id"]
    other = await client.put(
        "/fhir/R4/Practitioner/someone-else",
        json=practitioner(family="Else", npi="1234567893", id="someone-else"),
        headers=FHIR_JSON,
    )
    assert other.status_code == 201
    clash = await client.put(
        "/fhir/R4/Practitioner/someone-else", json=practitioner(id="someone-else"), headers=FHIR_JSON
    )
    assert clash.status_code == 409 and taken_by in outcome_text(clash.json())


async def test_organization_and_role_link_the_practitioner_to_its_practice(client):
    organization = await client.post(
        "/fhir/R4/Organization", json=load("hl7-us-core/organization-acme-lab.json"), headers=FHIR_JSON
    )
    assert organization.status_code == 201
    organization_id = organization.json()["id"]
    again = await client.post(
        "/fhir/R4/Organization", json=load("hl7-us-core/organization-acme-lab.json"), headers=FHIR_JSON
    )
    assert (again.status_code, again.json()["id"]) == (200, organization_id)
    listed = (await client.get(f"/v1/organizations/{organization_id}")).json()
    assert (listed["npi"], listed["kind"], listed["address"]["city"]) == ("1144221847", "practice", "AMHERST")
    provider_id = (await client.post("/fhir/R4/Practitioner", json=practitioner(), headers=FHIR_JSON)).json()["id"]
    role = {
        "resourceType": "PractitionerRole",
        "practitioner": {"reference": f"Practitioner/{provider_id}"},
        "organization": {"reference": f"Organization/{organization_id}"},
        "code": [
            {
                "coding": [
                    {
                        "system": "http://nucc.org/provider-taxonomy",
                        "code": "207RC0000X",
                        "display": "Cardiovascular Disease Physician",
                    }
                ]
            }
        ],
    }
    created = await client.post("/fhir/R4/PractitionerRole", json=role, headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    assert_valid_r4(created.json())
    same = await client.post("/fhir/R4/PractitionerRole", json=role, headers=FHIR_JSON)
    assert (same.status_code, same.json()["id"]) == (200, created.json()["id"])
    provider = (await client.get(f"/v1/providers/{provider_id}")).json()
    assert [a["organization_id"] for a in provider["affiliations"]] == [organization_id]
    assert [s["code"] for s in provider["specialties"]] == ["207RC0000X"]
    read = (await client.get(f"/fhir/R4/PractitionerRole/{created.json()['id']}")).json()
    assert read["organization"]["reference"] == f"Organization/{organization_id}"
