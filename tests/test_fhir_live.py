"""Against a real uvicorn: simultaneous resends, and a published FHIR client (fhirpy) driving the facade."""

import asyncio

import httpx
from fhirpy import AsyncFHIRClient

from tests.fhir_examples import FHIR_JSON, assert_valid_r4, service_request
from tests.live_server import live_server, staff_headers  # noqa: F401  (fixture; it empties the tables it filled)


async def test_fifty_simultaneous_copies_make_one_referral(live_server):
    headers = {**FHIR_JSON, **staff_headers("intake"), "If-None-Exist": "identifier=urn:ehr:orders|RACE-1"}
    body = service_request(identifier=[{"system": "urn:ehr:orders", "value": "RACE-1"}])
    async with httpx.AsyncClient(base_url=live_server, timeout=60) as client:

        async def send() -> httpx.Response:
            # As an EHR does: a 503 (database momentarily out of connections on a shared box) is sent again.
            for _ in range(5):
                response = await client.post("/fhir/R4/ServiceRequest", json=body, headers=headers)
                if response.status_code != 503:
                    return response
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            return response

        responses = await asyncio.gather(*(send() for _ in range(50)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 49 + [201], [r.text for r in responses if r.status_code not in (200, 201)][:3]
        assert len({r.json()["id"] for r in responses}) == 1
        found = (
            await client.get("/fhir/R4/ServiceRequest", params={"identifier": "urn:ehr:orders|RACE-1"}, headers=headers)
        ).json()
        assert len(found["entry"]) == 1


async def test_a_published_fhir_client_can_refer_poll_and_book(live_server):
    token = staff_headers("intake")["Authorization"]
    client = AsyncFHIRClient(
        f"{live_server}/fhir/R4", authorization=token, extra_headers={"Accept": "application/fhir+json"}
    )
    referral = client.resource("ServiceRequest", **{k: v for k, v in service_request().items() if k != "resourceType"})
    await referral.save()
    assert referral.id
    read = await client.reference("ServiceRequest", referral.id).to_resource()
    assert read["status"] == "active" and read["priority"] == "urgent"
    assert_valid_r4(read.serialize())

    for n in range(3):
        extra = service_request(identifier=[{"system": "urn:ehr:orders", "value": f"PAGE-{n}"}])
        await client.resource("ServiceRequest", **{k: v for k, v in extra.items() if k != "resourceType"}).save()
    everything = await client.resources("ServiceRequest").search(status="active").limit(2).fetch_all()
    assert len(everything) == 4 and len({r.id for r in everything}) == 4  # followed the next links

    tasks = await client.resources("Task").search(based_on=f"ServiceRequest/{referral.id}").fetch()
    assert [t["status"] for t in tasks] == ["received"]

    appointment = client.resource(
        "Appointment",
        status="booked",
        start="2026-12-01T09:00:00Z",
        end="2026-12-01T09:30:00Z",
        basedOn=[{"reference": f"ServiceRequest/{referral.id}"}],
        participant=[{"actor": {"display": "Dr Heart"}, "status": "accepted"}],
    )
    await appointment.save()
    task = await client.reference("Task", referral.id).to_resource()
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == ("in-progress", "scheduled")
    booked = await client.resources("Appointment").search(based_on=f"ServiceRequest/{referral.id}").fetch()
    assert [a.id for a in booked] == [appointment.id]
