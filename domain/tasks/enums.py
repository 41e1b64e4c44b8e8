from enum import StrEnum


class TaskType(StrEnum):
    call_patient = "call_patient"
    request_info = "request_info"
    schedule = "schedule"
    verify_insurance = "verify_insurance"
    follow_up = "follow_up"
    send_records = "send_records"
    outreach = "outreach"
    other = "other"


class TaskStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class TaskPriority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"
