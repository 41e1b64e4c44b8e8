"""Transaction and batch Bundles at POST /fhir/R4."""

from tests.fhir_examples import FHIR_JSON, assert_valid_r4, expressions, outcome_text, service_request

NPI = "http://hl7.org/fhir/sid/us-npi"
PATIENT = {
    "resourceType": "Patient",
    "name": [{"family": "Okafor", "given": ["Ada"]}],
    "birthDate": "1990-05-02",
    "gender": "female",
}
DOCTOR = {
    "resourceType": "Practitioner",
    "identifier": [{"system": NPI, "value": "1982736450"}],
    "name": [{"family": "Nguyen", "given": ["Linh"]}],
}


def referral_entry(value: str, patient_url: str = "urn:uuid:pat-1", **overrides) -> dict:
    resource = service_request(
        identifier=[{"system": "urn:ehr:orders", "value": value}],
        subject={"reference": patient_url},
        requester={"reference": "urn:uuid:doc-1"},
    )
    resource.pop("contained")
    resource.update(overrides)
    return {
        "fullUrl": f"urn:uuid:sr-{value}",
        "resource": resource,
        "request": {"method": "POST", "url": "ServiceRequest", "ifNoneExist": f"identifier=urn:ehr:orders|{value}"},
    }


def bundle(kind: str, *entries: dict) -> dict:
    # Referral first on purpose: entries run in dependency order whatever order they come in.
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def directory_entries(patient: dict = PATIENT) -> list[dict]:
    return [
        {"fullUrl": "urn:uuid:pat-1", "resource": patient, "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:doc-1", "resource": DOCTOR, "request": {"method": "POST", "url": "Practitioner"}},
    ]


async def test_transaction_resolves_urn_uuid_references_across_entries(client):
    response = await client.post(
        "/fhir/R4", json=bundle("transaction", referral_entry("T-1"), *directory_entries()), headers=FHIR_JSON
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_r4(body)
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 3  # in request order
    sr = body["entry"][0]["resource"]
    patient_id = body["entry"][1]["resource"]["id"]
    doctor_id = body["entry"][2]["resource"]["id"]
    assert sr["subject"]["reference"] == f"Patient/{patient_id}"  # urn:uuid rewritten to where it landed
    referral = (await client.get(f"/v1/referrals/{sr['id']}")).json()
    assert referral["patient"]["family_name"] == "Okafor"
    assert referral["referring_provider_id"] == doctor_id
    stored = (await client.get(f"/fhir/R4/ServiceRequest/{sr['id']}")).json()
    assert stored["requester"]["reference"] == f"Practitioner/{doctor_id}"
    assert (await client.get(f"/fhir/R4/Patient/{patient_id}")).json()["birthDate"] == "1990-05-02"


async def test_a_failing_entry_undoes_the_whole_transaction(client):
    no_birth_date = {k: v for k, v in PATIENT.items() if k != "birthDate"}
    entries = [
        referral_entry("T-ok", "urn:uuid:pat-ok"),
        referral_entry("T-bad"),
        *directory_entries(no_birth_date),
        {"fullUrl": "urn:uuid:pat-ok", "resource": PATIENT, "request": {"method": "POST", "url": "Patient"}},
    ]
    response = await client.post("/fhir/R4", json=bundle("transaction", *entries), headers=FHIR_JSON)
    assert response.status_code == 422, response.text
    assert expressions(response.json()) == ["Bundle.entry[2].resource.birthDate"]
    for value in ("T-ok", "T-bad"):
        found = (await client.get("/fhir/R4/ServiceRequest", params={"identifier": f"urn:ehr:orders|{value}"})).json()
        assert found.get("entry", []) == []
    # The practitioner entry ran before the failure; it was rolled back with the rest.
    again = await client.post("/fhir/R4/Practitioner", json=DOCTOR, headers=FHIR_JSON)
    assert again.status_code == 201


async def test_a_batch_keeps_what_succeeded_and_reports_what_failed(client):
    good = referral_entry("B-1")
    good["resource"]["contained"] = [dict(PATIENT, id="p")]
    good["resource"]["subject"] = {"reference": "#p"}
    good["resource"].pop("requester")
    bad = referral_entry("B-2", "Patient/unknown")
    bad["resource"].pop("requester")
    response = await client.post("/fhir/R4", json=bundle("batch", good, bad), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_r4(body)
    assert body["type"] == "batch-response"
    assert body["entry"][0]["response"]["status"] == "201 Created"
    assert body["entry"][1]["response"]["status"] == "422"
    outcome = body["entry"][1]["response"]["outcome"]
    assert expressions(outcome) == ["Bundle.entry[1].resource.subject"]
    kept = (await client.get("/fhir/R4/ServiceRequest", params={"identifier": "urn:ehr:orders|B-1"})).json()
    assert len(kept["entry"]) == 1


async def test_bundle_entries_we_do_not_offer_are_refused(client):
    read = {
        "request": {"method": "GET", "url": "ServiceRequest?status=active"},
        "resource": {"resourceType": "Basic", "code": {"text": "x"}},
    }
    response = await client.post("/fhir/R4", json=bundle("transaction", read), headers=FHIR_JSON)
    assert response.status_code == 400
    assert expressions(response.json()) == ["Bundle.entry[0].request.method"]
    lone = {"request": {"method": "POST", "url": "Basic"}, "resource": {"resourceType": "Basic", "code": {"text": "x"}}}
    response = await client.post("/fhir/R4", json=bundle("transaction", lone), headers=FHIR_JSON)
    assert response.status_code == 422 and "Basic" in outcome_text(response.json())
    not_a_bundle = await client.post("/fhir/R4", json=PATIENT, headers=FHIR_JSON)
    assert not_a_bundle.status_code == 400 and "not a Patient" in outcome_text(not_a_bundle.json())
