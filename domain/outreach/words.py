"""Outreach in words a person reads: what a rule did, what a kind of message is. One place for both."""

from domain.outreach.cadence import APPOINTMENT_CHANGED, MIN_INTERVAL, QUIET_HOURS, RECIPIENT_CAP
from domain.outreach.settings import outreach_settings

KIND_WORDS = {
    "acknowledgement": "Referral received notice",
    "status_accepted": "Referral accepted notice",
    "status_needs_info": "Request for more information",
    "status_scheduled": "Appointment scheduled notice",
    "status_declined": "Referral declined notice",
    "reminder": "Appointment reminder",
    "no_show": "Missed appointment follow-up",
    "loop_closure": "Visit summary (loop closure)",
    "thank_you": "Thank-you note",
    "check_in": "Check-in",
    "digest": "Daily summary",
    "invitation": "Invitation to join",
    "password_reset": "Password reset link",
}
CHANNEL_WORDS = {"email": "Email", "sms": "Text message", "webhook": "Webhook", "fhir": "FHIR push"}


def suppression_reason(rule: str | None) -> str | None:
    """The sentence staff read for a suppressed message's rule."""
    if rule is None:
        return None
    s = outreach_settings()
    sentences = {
        RECIPIENT_CAP: f"Held back: this recipient had already been sent {s.cap_count} routine messages in the "
        f"last {s.cap_window_hours} hours. It goes out in their daily summary instead.",
        MIN_INTERVAL: "Held back: the same kind of message had just been sent to this recipient, and only one "
        "is sent per interval.",
        QUIET_HOURS: f"Waiting: it would have arrived during quiet hours ({s.quiet_start_hour}:00 to "
        f"{s.quiet_end_hour}:00 in the recipient's time zone).",
        APPOINTMENT_CHANGED: "Not sent: the appointment this reminder was for has moved, been cancelled or "
        "already taken place.",
    }
    return sentences.get(rule, f"Held back by the rule '{rule}'.")


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())
