"""The messages outreach sends, who each is for, and how caps treat it."""

from enum import StrEnum


class MessageKind(StrEnum):
    acknowledgement = "acknowledgement"
    status_accepted = "status_accepted"
    status_needs_info = "status_needs_info"
    status_scheduled = "status_scheduled"
    status_declined = "status_declined"
    reminder = "reminder"
    no_show = "no_show"
    loop_closure = "loop_closure"
    thank_you = "thank_you"
    check_in = "check_in"
    digest = "digest"
    # Staff accounts: a one-time link to join, or to choose a new password.
    invitation = "invitation"
    password_reset = "password_reset"
    practice_report = "practice_report"  # to a referring practice, monthly (domain/relationships/practice_report.py)


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    webhook = "webhook"
    fhir = "fhir"


TEMPLATED_CHANNELS = (Channel.email, Channel.sms)

# Patient messages are about care the patient needs: a cap must never swallow them.
PATIENT_KINDS = frozenset({MessageKind.reminder, MessageKind.no_show})
# Sent to staff about their own account: no cadence rule holds them back or makes them wait.
ACCOUNT_KINDS = frozenset({MessageKind.invitation, MessageKind.password_reset})
# What a daily digest may gather instead of sending one by one.
DIGESTIBLE_KINDS = frozenset(
    {
        MessageKind.acknowledgement,
        MessageKind.status_accepted,
        MessageKind.status_scheduled,
        MessageKind.thank_you,
        MessageKind.check_in,
    }
)

TITLES = {
    MessageKind.acknowledgement: "Referral received",
    MessageKind.status_accepted: "Referral accepted",
    MessageKind.status_needs_info: "More information needed",
    MessageKind.status_scheduled: "Appointment scheduled",
    MessageKind.status_declined: "Referral declined",
    MessageKind.reminder: "Appointment reminder",
    MessageKind.no_show: "Missed appointment",
    MessageKind.loop_closure: "Visit summary",
    MessageKind.thank_you: "Thank you",
    MessageKind.check_in: "Check-in",
    MessageKind.digest: "Daily summary",
    MessageKind.invitation: "Invitation",
    MessageKind.password_reset: "Password reset",
    MessageKind.practice_report: "Monthly report",
}
