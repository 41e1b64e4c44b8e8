"""The EHR that sent a referral over FHIR hears back: its Task, Appointments and the loop-closure note are
PUT to the FHIR base URL it registered, through the outbox, retried, at a local endpoint that records them."""

import asyncio
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.servicerequest import ServiceRequest
from sqlalchemy import select

from domain.identity.models import EhrClient
from domain.referrals import service as referrals
from domain.referrals.enums import ReferralStatus as S
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage
from integrations.fhir.handlers import appointments, service_requests
from integrations.fhir.resolver import Resolver
from tests.fhir_examples import FHIR_JSON, assert_valid_r4, service_request
from tests.principals import ehr_token, make_ehr_client
from workers.burst import drain


class FhirEndpoint:
    """A local FHIR server stand-in: records every PUT, answers with the statuses it is given (then 200)."""

    def __init__(self) -> None:
        self.puts: list[tuple[str, dict]] = []
        self.statuses: list[int] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                endpoint.puts.append((self.path, body))
                self.send_response(endpoint.statuses.pop(0) if endpoint.statuses else 200)
                self.send_header("content-type", "application/fhir+json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tasks(self) -> list[tuple[str, str | None]]:
        return [
            (b["status"], (b.get("businessStatus") or {}).get("text"))
            for p, b in self.puts
            if p.startswith("/fhir/Task/")
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    e = FhirEndpoint()
    yield e
    e.close()


async def ehr_with_base_url(base: str) -> EhrClient:
    async with unit_of_work() as session:
        ehr = EhrClient(
            client_id=f"ehr-push-{uuid.uuid4().hex[:8]}",
            name="Referring EHR",
            jwks={"keys": []},
            scopes=["system/*.*"],
            fhir_base_url=base,
            active=True,
            created_by="test",
        )
        session.add(ehr)
    return ehr


async def referral_from(ehr: EhrClient, **overrides) -> str:
    resource = service_request(**overrides)
    async with unit_of_work() as session:
        result = await service_requests.create(
            session,
            resource=resource,
            model=ServiceRequest.model_validate(resource),
            actor=f"ehr:{ehr.client_id}",
            resolver=Resolver(session),
            fhir_client=ehr.client_id,
        )
    return result.resource["id"]


async def fhir_rows(referral_id: str) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.referral_id == uuid.UUID(referral_id), OutboxMessage.channel == "fhir")
            .order_by(OutboxMessage.created_at)
        )
        return list((await session.execute(stmt)).scalars())


@pytest.mark.usefixtures("committed")
async def test_the_sending_ehr_hears_every_change_and_the_loop_closes(endpoint, arq_redis):
    ehr = await ehr_with_base_url(endpoint.base)
    referral_id = await referral_from(ehr)
    await drain(arq_redis)
    assert endpoint.tasks() == [("received", None)]  # the acknowledgement

    async with unit_of_work() as session:
        await referrals.transition(
            session, referral_id=uuid.UUID(referral_id), to=S.accepted, reason=None, note=None, actor="intake"
        )
    await drain(arq_redis)
    appointment = {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2026-12-01T09:00:00Z",
        "basedOn": [{"reference": f"ServiceRequest/{referral_id}"}],
        "participant": [{"actor": {"display": "Dr Heart"}, "status": "accepted"}],
    }
    async with unit_of_work() as session:
        booked = await appointments.create(
            session,
            resource=appointment,
            model=Appointment.model_validate(appointment),
            actor="scheduler",
            resolver=Resolver(session),
        )
    await drain(arq_redis)
    fulfilled = dict(booked.resource, status="fulfilled")
    async with unit_of_work() as session:
        await appointments.update(
            session,
            resource_id=fulfilled["id"],
            resource=fulfilled,
            model=Appointment.model_validate(fulfilled),
            actor="clinic",
            resolver=Resolver(session),
            expected_version=None,
        )
    for _ in range(3):
        await drain(arq_redis)

    assert endpoint.tasks() == [
        ("received", None),
        ("accepted", None),
        ("in-progress", "Appointment scheduled"),
        ("in-progress", "Patient seen"),
        ("completed", "Consult report sent"),
    ]
    paths = [p for p, _ in endpoint.puts]
    assert paths.count(f"/fhir/Appointment/{booked.resource['id']}") == 2  # booked, then fulfilled
    note = next(b for p, b in endpoint.puts if p == f"/fhir/Communication/{referral_id}-closure")
    assert_valid_r4(note)
    assert "seen" in note["payload"][0]["contentString"]
    for _, body in endpoint.puts:
        assert_valid_r4(body)
    task = endpoint.puts[-1][1]
    assert task["focus"]["reference"].endswith(f"/fhir/R4/ServiceRequest/{referral_id}")  # points back here
    async with unit_of_work() as session:
        assert (await referrals.get_referral(session, referral_id=uuid.UUID(referral_id))).status == S.closed
    assert all(row.status is MessageStatus.sent for row in await fhir_rows(referral_id))


@pytest.mark.usefixtures("committed")
async def test_a_busy_ehr_is_retried_and_a_refusing_one_is_dead_lettered(endpoint, arq_redis):
    ehr = await ehr_with_base_url(endpoint.base)
    endpoint.statuses = [503, 502]
    referral_id = await referral_from(ehr)
    for _ in range(4):
        await drain(arq_redis)
        await asyncio.sleep(0.2)
    [row] = await fhir_rows(referral_id)
    assert (row.status, row.attempts) == (MessageStatus.sent, 3)
    assert endpoint.tasks() == [("received", None)] * 3  # the same Task, PUT again: never a second one

    endpoint.statuses = [404]
    other = await referral_from(ehr, identifier=[{"system": "urn:ehr:orders", "value": "ORD-404"}])
    await drain(arq_redis)
    [row] = await fhir_rows(other)
    assert (row.status, row.attempts) == (MessageStatus.failed, 1)
    assert row.last_error == "DeliveryRefused: HTTP 404 from Task PUT"


async def test_a_referral_sent_by_an_ehr_is_tied_to_it_and_queues_its_acknowledgement(client_for, session):
    ehr = await make_ehr_client(session, scopes=["system/ServiceRequest.write"])
    ehr.fhir_base_url = "http://127.0.0.1:9/fhir"
    await session.flush()
    caller = await client_for("anonymous")
    caller.headers["Authorization"] = f"Bearer {ehr_token(ehr, ['system/ServiceRequest.write'])}"
    response = await caller.post("/fhir/R4/ServiceRequest", json=service_request(), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    rows = (
        (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.referral_id == uuid.UUID(response.json()["id"]), OutboxMessage.channel == "fhir"
                )
            )
        )
        .scalars()
        .all()
    )
    assert [(r.kind, r.recipient_id) for r in rows] == [("fhir_task", ehr.id)]
    # A referral keyed in by staff has no EHR to push to.
    staff = await (await client_for("intake")).post(
        "/fhir/R4/ServiceRequest",
        json=service_request(identifier=[{"system": "urn:x", "value": "1"}]),
        headers=FHIR_JSON,
    )
    assert staff.status_code == 201
    none = (
        (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.referral_id == uuid.UUID(staff.json()["id"]), OutboxMessage.channel == "fhir"
                )
            )
        )
        .scalars()
        .all()
    )
    assert none == []
