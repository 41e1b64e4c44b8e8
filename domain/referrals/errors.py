import uuid
from datetime import UTC, datetime

from domain.shared.errors import Conflict, DomainError


class TransitionNotAllowed(Conflict):
    title = "Transition not allowed"
    slug = "transition-not-allowed"

    def __init__(self, current: str, to: str, allowed: list[str]) -> None:
        moves = ", ".join(allowed) or "none: this referral is finished"
        super().__init__(f"A referral that is {current} cannot move to {to}. Allowed moves: {moves}.", allowed=allowed)


class ReasonRequired(DomainError):
    status = 422
    title = "Reason required"
    slug = "reason-required"

    def __init__(self, to: str, choices: list[str], given: str | None) -> None:
        what = f"'{given}' is not one of them" if given else "none was given"
        super().__init__(
            f"Moving to {to} needs a reason ({', '.join(choices)}); {what}.",
            errors=[{"field": "body.reason", "message": f"must be one of: {', '.join(choices)}"}],
            allowed=choices,
        )


class ReferralMerged(Conflict):
    title = "Referral was merged"
    slug = "referral-merged"

    def __init__(self, referral_id: uuid.UUID, into_id: uuid.UUID) -> None:
        super().__init__(
            f"Referral {referral_id} was merged into {into_id} as a duplicate; work on that one instead.",
            merged_into_id=str(into_id),
        )


class AppointmentNotAllowed(Conflict):
    title = "Appointment change not allowed"
    slug = "appointment-not-allowed"


class AppointmentNotStarted(Conflict):
    title = "Appointment has not started"
    slug = "appointment-not-started"

    def __init__(self, to: str, start: datetime) -> None:
        when = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
        super().__init__(f"The appointment starts at {when}; it cannot be marked {to} before it starts.", start=when)
