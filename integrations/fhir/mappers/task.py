"""The referral's Task (360X-style): one per referral, derived from its state, id = referral id."""

from datetime import datetime
from typing import Any

from domain.referrals.enums import ReferralStatus as S
from integrations.fhir.mappers.common import REFLOOP_CODES, instant

TASK_STATUS = {
    S.received: "received",
    S.needs_info: "on-hold",
    S.accepted: "accepted",
    S.scheduled: "in-progress",
    S.completed: "in-progress",
    S.closed: "completed",
    S.declined: "rejected",
    S.cancelled: "cancelled",
}
BUSINESS_STATUS = {S.scheduled: "scheduled", S.completed: "seen", S.closed: "report-sent"}
BUSINESS_DISPLAY = {"scheduled": "Appointment scheduled", "seen": "Patient seen", "report-sent": "Consult report sent"}
REFERRAL_STATUSES_FOR_TASK: dict[str, list[S]] = {}
for _status, _task in TASK_STATUS.items():
    REFERRAL_STATUSES_FOR_TASK.setdefault(_task, []).append(_status)
TASK_STATUSES = sorted({*REFERRAL_STATUSES_FOR_TASK, "requested"})


def referral_to_task(
    referral: Any, service_request: dict[str, Any], *, due_at: datetime | None = None, missing: list[str] | None = None
) -> dict[str, Any]:
    """`service_request` is the referral's ServiceRequest as the facade renders it (for subject/requester);
    `due_at` the next SLA due time of a running clock; `missing` what completeness still asks for."""
    status = S(referral.status)
    sr_ref = {"reference": f"ServiceRequest/{referral.id}"}
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.id),
        "meta": {"versionId": str(referral.version), "lastUpdated": instant(referral.updated_at)},
        "basedOn": [sr_ref],
        "status": TASK_STATUS[status],
        "intent": "order",
        "priority": str(referral.urgency),
        "code": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/CodeSystem/task-code",
                    "code": "fulfill",
                    "display": "Fulfill the focal request",
                }
            ]
        },
        "focus": sr_ref,
        "authoredOn": instant(referral.received_at),
        "lastModified": instant(referral.updated_at),
    }
    subject = service_request.get("subject") or {}
    if subject.get("reference") and not subject["reference"].startswith("#"):
        task["for"] = {"reference": subject["reference"]}
    elif subject.get("display"):
        task["for"] = {"display": subject["display"]}
    requester = service_request.get("requester") or {}
    if requester.get("reference") and not requester["reference"].startswith("#"):
        task["requester"] = {k: v for k, v in requester.items() if k in ("reference", "display")}
    if business := BUSINESS_STATUS.get(status):
        task["businessStatus"] = {
            "coding": [
                {
                    "system": f"{REFLOOP_CODES}/referral-business-status",
                    "code": business,
                    "display": BUSINESS_DISPLAY[business],
                }
            ],
            "text": BUSINESS_DISPLAY[business],
        }
    if referral.status_reason and status in (S.declined, S.cancelled):
        task["statusReason"] = {
            "coding": [{"system": f"{REFLOOP_CODES}/referral-status-reason", "code": referral.status_reason}],
            "text": referral.status_reason.replace("_", " "),
        }
    if due_at is not None:
        task["restriction"] = {"period": {"end": instant(due_at)}}
    if missing and status is S.needs_info:
        task["statusReason"] = {
            "coding": [{"system": f"{REFLOOP_CODES}/referral-status-reason", "code": "incomplete"}],
            "text": "Missing: " + ", ".join(missing),
        }
    return task
