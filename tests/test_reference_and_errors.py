"""Lists people pick from, the service-line catalog enforced, and errors in plain words naming field and value."""

from tests.factories import referral_payload


async def test_reference_lists_give_keys_and_display_names(client_for):
    analyst = await client_for("analyst")
    lines = (await analyst.get("/v1/reference/service-lines")).json()
    assert {"key": "cardiology", "display": "Cardiology", "specialty_code": "207RC0000X"} in lines
    specialties = (await analyst.get("/v1/reference/specialties")).json()
    assert {"key": "207Q00000X", "display": "Family Medicine"} in specialties
    classes = (await analyst.get("/v1/reference/payer-classes")).json()
    assert [c["key"] for c in classes] == [
        "commercial",
        "medicare",
        "medicaid",
        "tricare",
        "workers_comp",
        "self_pay",
        "other",
    ]
    assert {"name": "Ohio Medicaid", "payer_class": "medicaid"} in (await analyst.get("/v1/reference/payers")).json()
    assert (await (await client_for("anonymous")).get("/v1/reference/service-lines")).status_code == 401


async def test_a_service_line_outside_the_catalog_is_refused_naming_it(client):
    response = await client.post("/v1/referrals", json=referral_payload(service_line="0"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "body.service_line",
            "message": "Service line '0' is not one we offer. See GET /v1/reference/service-lines.",
        }
    ]
    display = await client.post("/v1/referrals", json=referral_payload(service_line="Cardiology"))
    assert display.status_code == 422 and "Use the key 'cardiology'" in display.json()["detail"]
    created = await client.post("/v1/referrals", json=referral_payload(service_line="orthopedics"))
    assert created.status_code == 201
    patched = await client.patch(
        f"/v1/referrals/{created.json()['id']}",
        json={"service_line": "chiropractic"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 422 and "'chiropractic'" in patched.json()["errors"][0]["message"]
    again = await client.get(f"/v1/referrals/{created.json()['id']}")
    assert again.json()["service_line"] == "orthopedics"


async def test_bad_codes_and_dates_are_told_in_plain_words(client):
    payload = referral_payload(icd10_codes=["R07.9", "ABC"])
    payload["patient"]["birth_date"] = "2031-01-01"
    response = await client.post("/v1/referrals", json=payload)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["body.icd10_codes.1"].startswith("ICD-10 code 'ABC' is not a valid code")
    assert errors["body.patient.birth_date"] == "Birth date 2031-01-01 is in the future."
    text = response.text
    assert "Value error" not in text and "String should match" not in text and "^[" not in text


async def test_missing_fields_and_unknown_choices_name_the_field(client):
    payload = referral_payload(urgency="whenever")
    del payload["patient"]["family_name"]
    errors = {e["field"]: e["message"] for e in (await client.post("/v1/referrals", json=payload)).json()["errors"]}
    assert errors["body.patient.family_name"] == "Last name is required."
    assert errors["body.urgency"].startswith("Urgency 'whenever' is not one of: routine")
    bad_id = await client.get("/v1/referrals", params={"referring_provider_id": "nope"})
    assert bad_id.json()["errors"][0]["message"] == "Referring provider 'nope' is not a valid id."
