from enum import StrEnum


class ReferralStatus(StrEnum):
    received = "received"
    needs_info = "needs_info"
    accepted = "accepted"
    scheduled = "scheduled"
    completed = "completed"
    closed = "closed"
    declined = "declined"
    cancelled = "cancelled"


class DeclineReason(StrEnum):
    misdirected = "misdirected"
    not_indicated = "not_indicated"
    out_of_network = "out_of_network"
    incomplete = "incomplete"  # the referrer never sent what completeness asked for
    other = "other"


class LeakageReason(StrEnum):
    patient_unreachable = "patient_unreachable"
    patient_declined = "patient_declined"
    no_show = "no_show"
    went_elsewhere = "went_elsewhere"
    insurance = "insurance"
    other = "other"


class RescheduleReason(StrEnum):
    """Why a scheduled referral went back to scheduling."""

    no_show = "no_show"
    appointment_cancelled = "appointment_cancelled"
    rescheduled = "rescheduled"


class ReopenReason(StrEnum):
    """Why a declined or cancelled referral goes back to received."""

    decided_in_error = "decided_in_error"
    new_information = "new_information"
    patient_returned = "patient_returned"
    other = "other"


class ContactOutcome(StrEnum):
    reached = "reached"
    voicemail = "voicemail"
    wrong_number = "wrong_number"
    no_answer = "no_answer"


class Urgency(StrEnum):
    routine = "routine"
    urgent = "urgent"
    asap = "asap"
    stat = "stat"


class PayerClass(StrEnum):
    commercial = "commercial"
    medicare = "medicare"
    medicaid = "medicaid"
    tricare = "tricare"
    workers_comp = "workers_comp"
    self_pay = "self_pay"
    other = "other"


class SourceChannel(StrEnum):
    """How the referral reached us."""

    fhir = "fhir"
    partner_api = "partner_api"
    portal = "portal"  # keyed in by the referring practice in the web portal
    staff = "staff"
    fax = "fax"
    phone = "phone"
    email = "email"


class ReferralSource(StrEnum):
    """Who or what sent the patient: the marketing view of where referrals come from."""

    physician = "physician"
    hospital = "hospital"
    emergency_department = "emergency_department"
    urgent_care = "urgent_care"
    payer = "payer"
    self_referral = "self_referral"
    other = "other"


class Sex(StrEnum):
    female = "female"
    male = "male"
    other = "other"
    unknown = "unknown"


class AppointmentStatus(StrEnum):
    booked = "booked"
    arrived = "arrived"
    fulfilled = "fulfilled"
    cancelled = "cancelled"
    noshow = "noshow"


class EventKind(StrEnum):
    created = "created"
    transition = "transition"
    updated = "updated"
    assigned = "assigned"
    appointment = "appointment"
    contact_attempt = "contact_attempt"
    note = "note"
    task = "task"
    message = "message"
    duplicate = "duplicate"  # flagged, linked, dismissed, merged (detail.action)
