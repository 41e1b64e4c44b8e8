"""Outbound FHIR: the `fhir` outbox channel. PUTs the referral's Task (and Appointments, and on completion
the loop-closure note) to the FHIR base URL the EHR registered.

Every PUT names a stable id (Task = referral id, Communication = referral id + "-closure"), so a retry
after a lost response overwrites the same resource instead of making a second one. The current state is
sent, whatever version the message was queued at: a push is "this is how it stands now".
"""

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir import push
from domain.fhir import service as fhir_store
from domain.fhir.repository import FhirAppointmentRepository
from domain.identity.models import EhrClient
from domain.shared.outbox import DeliveryRefused, OutboxMessage
from domain.shared.per_loop import for_this_loop
from domain.shared.settings import get_settings
from integrations.fhir import push_auth
from integrations.fhir.handlers.tasks import render_one as render_task
from integrations.fhir.mappers.appointment import appointment_to_fhir
from integrations.fhir.mappers.common import instant
from integrations.fhir.outcomes import FHIR_JSON

TIMEOUT_SECONDS = 10
RETRYABLE_4XX = {408, 409, 425, 429}


def http() -> httpx.AsyncClient:
    return for_this_loop("fhir", lambda: httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False))


def _absolute(resource: dict[str, Any]) -> dict[str, Any]:
    """Our relative references mean nothing on the EHR's server: make them point back here."""
    base = get_settings().fhir.base_url.rstrip("/")

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: walk(v) for k, v in value.items()}
            ref = value.get("reference")
            if isinstance(ref, str) and "/" in ref and not ref.startswith(("http://", "https://", "urn:", "#")):
                out["reference"] = f"{base}/{ref}"
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(resource)


def loop_closure_note(referral: Any, task: dict[str, Any]) -> dict[str, Any]:
    seen = instant(referral.completed_at) if referral.completed_at else None
    text = f"Referral completed: the patient was seen{' on ' + seen[:10] if seen else ''}; the consult report follows."
    note: dict[str, Any] = {
        "resourceType": "Communication",
        "id": f"{referral.id}-closure",
        "status": "completed",
        "basedOn": [{"reference": f"ServiceRequest/{referral.id}"}],
        "partOf": [{"reference": f"Task/{referral.id}"}],
        "category": [{"text": "Loop closure"}],
        "payload": [{"contentString": text}],
    }
    if seen:
        note["sent"] = seen
    if task.get("for"):
        note["subject"] = task["for"]
    return note


async def _put(ehr: EhrClient, base_url: str, resource: dict[str, Any], message: OutboxMessage) -> str:
    url = f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
    headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON, "X-Request-Id": f"msg_{message.id}"}
    if authorization := await push_auth.bearer(http(), ehr):
        headers["Authorization"] = authorization
    response = await http().put(url, json=_absolute(resource), headers=headers)
    if response.status_code == 401 and authorization:
        # The EHR may end a token before it said it would: one more try with a new one.
        headers["Authorization"] = await push_auth.bearer(http(), ehr, fresh=True) or ""
        response = await http().put(url, json=_absolute(resource), headers=headers)
    if response.is_success:
        version = (resource.get("meta") or {}).get("versionId")
        return f"{resource['resourceType']}/{resource['id']}" + (f"/_history/{version}" if version else "")
    error = f"HTTP {response.status_code} from {resource['resourceType']} PUT"
    if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
        raise DeliveryRefused(error)
    raise RuntimeError(error)


async def deliver(message: OutboxMessage, session: AsyncSession) -> str:
    ehr = await session.get(EhrClient, message.recipient_id) if message.recipient_id else None
    if ehr is None or not ehr.active or not ehr.fhir_base_url:
        raise DeliveryRefused("the EHR client is gone, disabled, or has no FHIR base URL")
    base_url = ehr.fhir_base_url
    assert message.referral_id is not None  # a push is always about a referral (domain/fhir/push.py)
    referral = await fhir_store.referral_with_original(session, referral_id=message.referral_id)
    if message.kind == push.APPOINTMENT_UPDATE:
        appointment_id = uuid.UUID(message.payload["appointment_id"])
        appointment = await FhirAppointmentRepository(session).with_fhir(appointment_id)
        if appointment is None:
            raise DeliveryRefused("the appointment is gone")
        return await _put(ehr, base_url, appointment_to_fhir(appointment, appointment.fhir_resource), message)
    task = await render_task(session, referral)
    sent = await _put(ehr, base_url, task, message)
    if message.kind == push.LOOP_CLOSURE:
        await _put(ehr, base_url, loop_closure_note(referral, task), message)
    return sent
