"""Every published example in ../shared/fhir-examples, through the facade (decisions: docs/fhir.md)."""

import copy

import pytest

from tests.fhir_examples import FHIR_JSON, assert_valid_r4, example_files, expressions, load, outcome_text

# file -> (how it is sent, status, words the answer must contain, expression it must name)
REFUSED = {
    "hl7-davinci-crd/Bundle-CRDServiceRequest-context-draftOrders.json": (400, "collection Bundle", "Bundle.type"),
    "hl7-us-core/PractitionerRole_Practitioner_Endpoint_Bundle_Example.json": (400, "searchset Bundle", "Bundle.type"),
    "nhs-bars/Bundle-message-ValidationRequest-POST.json": (400, "message Bundle", "Bundle.type"),
    "nhs-bars/Bundle-searchset-slots-GET-success.json": (400, "searchset Bundle", "Bundle.type"),
    "hl7-us-core/CapabilityStatement-us-core-client.json": (404, "CapabilityStatement is not supported", None),
    "nhs-bars/CapabilityStatement-BaRS_API_Capability_Statement.json": (
        404,
        "CapabilityStatement is not supported",
        None,
    ),
    "nhs-bars/ServiceRequest-service_request-id-GET-success.json": (
        400,
        "PatientInstruction",
        "ServiceRequest.basedOn",
    ),
    "hl7-davinci-crd/servicerequest-example.json": (422, "draft", "ServiceRequest.status"),
    "hl7-davinci-crd/task-questionnaire-example.json": (422, "MedicationRequest", "Task.basedOn[0]"),
    # Sent on their own, these name things this server does not know (yet); see the accepted tests below.
    "hl7-sdoh-clinicalcare/Task-SDOHCC-TaskReferralManagementOrderFulfillmentCompletedExample.json": (
        422,
        "not a referral known here",
        "Task.focus",
    ),
    "nhs-bars/Appointment-appointment-PUT-body.json": (422, "not a referral known here", "Appointment.basedOn[0]"),
    "hl7-sdoh-clinicalcare/PractitionerRole-SDOHCC-PractitionerRoleDrJanWaterExample.json": (
        422,
        "not in the directory",
        "PractitionerRole.practitioner",
    ),
    "hl7-us-core/servicerequest-cbc.json": (422, "subject", "ServiceRequest.subject"),
}
ACCEPTED_ALONE = {
    "hl7-sdoh-clinicalcare/Organization-SDOHCC-OrganizationCoordinationPlatformExample.json": 201,
    "hl7-us-core/organization-acme-lab.json": 201,
    "hl7-vhdir/Organization-patriotppo.json": 201,
    "hl7-sdoh-clinicalcare/Practitioner-SDOHCC-PractitionerDrJanWaterExample.json": 201,
    "hl7-us-core/practitioner-1.json": 201,
    "hl7-sdoh-clinicalcare/Patient-pat-53234.json": 201,
    "hl7-us-core/patient-example.json": 201,
    "hl7au-erequesting/richardbrown_at_drbrown.json": 200,
}
# ServiceRequests whose subject is a Patient the sender stores first (Patient file in the corpus).
NEEDS_PATIENT = {
    "hl7-us-core/servicerequest-cbc.json": ("hl7-us-core/patient-example.json", "laboratory"),
    "hl7-us-core/servicerequest-rehab.json": ("hl7-us-core/patient-example.json", "social services"),
    "hl7-sdoh-clinicalcare/ServiceRequest-SDOHCC-ServiceRequestActiveFoodPantryApplicationAssistExample.json": (
        "hl7-sdoh-clinicalcare/Patient-pat-53234.json",
        "social services",
    ),
}


async def send(client, resource):
    kind = resource["resourceType"]
    if kind == "Bundle":
        return await client.post("/fhir/R4", json=resource, headers=FHIR_JSON)
    if kind == "Appointment":
        return await client.put(f"/fhir/R4/Appointment/{resource['id']}", json=resource, headers=FHIR_JSON)
    return await client.post(f"/fhir/R4/{kind}", json=resource, headers=FHIR_JSON)


async def put(client, resource):
    response = await client.put(
        f"/fhir/R4/{resource['resourceType']}/{resource['id']}", json=resource, headers=FHIR_JSON
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_every_example_file_has_a_decision():
    decided = set(REFUSED) | set(ACCEPTED_ALONE) | set(NEEDS_PATIENT)
    assert set(example_files()) <= decided, sorted(set(example_files()) - decided)


@pytest.mark.parametrize("name", sorted(REFUSED))
async def test_refused_example_gets_an_operation_outcome_naming_the_reason(client, name):
    status, words, expression = REFUSED[name]
    response = await send(client, load(name))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert words in outcome_text(response.json())
    if expression:
        assert expression in expressions(response.json())


@pytest.mark.parametrize("name", sorted(ACCEPTED_ALONE))
async def test_valid_example_is_accepted_and_read_back(client, name):
    resource = load(name)
    response = await send(client, resource)
    assert response.status_code == ACCEPTED_ALONE[name], response.text
    body = response.json()
    assert_valid_r4(body)
    if body["resourceType"] != "Bundle":
        read = await client.get(f"/fhir/R4/{body['resourceType']}/{body['id']}")
        assert read.status_code == 200
        assert_valid_r4(read.json())
        assert read.json()["meta"]["versionId"] == body["meta"]["versionId"]


@pytest.mark.parametrize("name", sorted(NEEDS_PATIENT))
async def test_example_service_request_becomes_a_referral_once_its_patient_is_known(client, name):
    patient_file, service_line = NEEDS_PATIENT[name]
    await put(client, load(patient_file))
    response = await send(client, load(name))
    assert response.status_code == 201, response.text
    created = response.json()
    assert_valid_r4(created)
    referral = (await client.get(f"/v1/referrals/{created['id']}")).json()
    assert referral["service_line"] == service_line
    assert referral["source_channel"] == "fhir"
    assert referral["patient"]["birth_date"] == "1987-02-20"
    read = (await client.get(f"/fhir/R4/ServiceRequest/{created['id']}")).json()
    assert read["code"] == load(name)["code"]  # unmapped detail comes back as sent


async def test_sdoh_practitioner_role_is_accepted_once_its_practitioner_and_organization_are_known(client):
    await put(client, load("hl7-sdoh-clinicalcare/Practitioner-SDOHCC-PractitionerDrJanWaterExample.json"))
    await put(
        client,
        {"resourceType": "Organization", "id": "SDOHCC-OrganizationClinicExample", "name": "Better Health Clinic"},
    )
    role = load("hl7-sdoh-clinicalcare/PractitionerRole-SDOHCC-PractitionerRoleDrJanWaterExample.json")
    response = await send(client, role)
    assert response.status_code == 201, response.text
    assert_valid_r4(response.json())
    practitioner = (await client.get("/fhir/R4/Practitioner/SDOHCC-PractitionerDrJanWaterExample")).json()
    provider_id = response.json()["practitioner"]["reference"].split("/")[1]
    provider = (await client.get(f"/fhir/R4/Practitioner/{provider_id}")).json()
    assert provider["name"] == practitioner["name"]
    # The role's NUCC code became the practitioner's specialty in the directory.
    listed = await client.get(f"/v1/providers/{provider_id}")
    if listed.status_code == 200:
        assert "207Q00000X" in [s["code"] for s in listed.json()["specialties"]]


async def test_sdoh_task_about_our_service_request_answers_with_the_referrals_task(client):
    await put(client, load("hl7-sdoh-clinicalcare/Patient-pat-53234.json"))
    sr = load("hl7-sdoh-clinicalcare/ServiceRequest-SDOHCC-ServiceRequestActiveFoodPantryApplicationAssistExample.json")
    created = (await send(client, sr)).json()
    task = load("hl7-sdoh-clinicalcare/Task-SDOHCC-TaskReferralManagementOrderFulfillmentCompletedExample.json")
    task["focus"] = {"reference": f"ServiceRequest/{created['id']}"}
    response = await client.post("/fhir/R4/Task", json=task, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_r4(body)
    assert body["id"] == created["id"]
    assert body["status"] == "received"  # the referral's state, not the sender's "completed"
    tasks = (await client.get("/fhir/R4/Task", params={"based-on": f"ServiceRequest/{created['id']}"})).json()
    assert [e["resource"]["id"] for e in tasks["entry"]] == [created["id"]]  # still one Task, one referral


async def test_nhs_appointment_books_the_referral_once_that_referral_exists(client):
    appointment = load("nhs-bars/Appointment-appointment-PUT-body.json")
    sr_id = appointment["basedOn"][0]["reference"].split("/")[1]
    sr = copy.deepcopy(load("hl7-us-core/servicerequest-cbc.json"))
    sr["id"] = sr_id
    await put(client, load("hl7-us-core/patient-example.json"))
    await put(client, sr)
    response = await send(client, appointment)
    assert response.status_code == 201, response.text
    assert_valid_r4(response.json())
    assert response.json()["id"] == appointment["id"]
    referral = (await client.get(f"/v1/referrals/{sr_id}")).json()
    assert referral["status"] == "scheduled"
    task = (await client.get(f"/fhir/R4/Task/{sr_id}")).json()
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == ("in-progress", "scheduled")


async def test_au_transaction_makes_one_referral_with_its_directory_and_keeps_the_rest(client):
    bundle = load("hl7au-erequesting/richardbrown_at_drbrown.json")
    response = await send(client, bundle)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in body["entry"]]
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert len(statuses) == len(kinds)
    by_kind = dict(zip(kinds, statuses, strict=False))
    assert by_kind["ServiceRequest"] == "201 Created"
    assert by_kind["CommunicationRequest"] == "202 Accepted"
    sr_id = "49e91484-7f92-11ee-a339-d2cbed391bce"
    referral = (await client.get(f"/v1/referrals/{sr_id}")).json()
    assert referral["patient"]["family_name"] == "Brown"
    assert referral["patient"]["birth_date"] == "1972-03-21"
    assert referral["service_line"] == "laboratory"
    assert referral["payer_name"] == "Medicare Australia"
    assert referral["referring_provider_id"] is not None and referral["referring_organization_id"] is not None
    assert referral["source_identifier"] == "PON-Genie-20231110162757-0654"
    # The fulfilment Task about the ServiceRequest is the referral's Task.
    task_entry = next(
        e for e, k in zip(body["entry"], kinds, strict=False) if k == "Task" and e["response"]["status"] == "200 OK"
    )
    assert task_entry["response"]["location"].startswith(f"Task/{sr_id}")
    # Sent again, the same transaction changes nothing: the same referral, not a second one.
    again = await send(client, bundle)
    assert again.status_code == 200, again.text
    found = (
        await client.get(
            "/fhir/R4/ServiceRequest",
            params={
                "identifier": "http://ns.electronichealth.net.au/id/hpio-scoped/order/1.0/8003624523203666|PON-Genie-20231110162757-0654"
            },
        )
    ).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [sr_id]
