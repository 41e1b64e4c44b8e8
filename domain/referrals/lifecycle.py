"""The referral state machine: the only place that says which moves exist."""

from enum import StrEnum

from domain.referrals.enums import DeclineReason, LeakageReason, ReopenReason, RescheduleReason
from domain.referrals.enums import ReferralStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.received: frozenset({S.accepted, S.needs_info, S.declined}),
    S.needs_info: frozenset({S.accepted, S.declined, S.cancelled}),
    S.accepted: frozenset({S.scheduled, S.cancelled}),
    # Back to accepted after a no-show or a cancelled appointment: the patient needs a new slot.
    S.scheduled: frozenset({S.completed, S.accepted, S.cancelled}),
    S.completed: frozenset({S.closed}),
    S.closed: frozenset(),
    # Reopening, and only that: a decline or cancellation made in error, or overtaken by events,
    # goes back to the start of intake with a reason. Nothing else leaves these two.
    S.declined: frozenset({S.received}),
    S.cancelled: frozenset({S.received}),
}

# Moves that must say why, and the reasons each accepts.
REQUIRED_REASONS: dict[tuple[S, S] | S, type[StrEnum]] = {
    S.declined: DeclineReason,
    S.cancelled: LeakageReason,
    (S.scheduled, S.accepted): RescheduleReason,
    (S.declined, S.received): ReopenReason,
    (S.cancelled, S.received): ReopenReason,
}

# The milestone a reopen clears, so a reopened referral no longer counts as declined or cancelled.
REOPEN_CLEARS = {S.declined: "declined_at", S.cancelled: "cancelled_at"}

OPEN_STATUSES = frozenset({S.received, S.needs_info, S.accepted, S.scheduled})


def allowed_moves(current: S) -> list[S]:
    return sorted(TRANSITIONS[current], key=list(S).index)


def reason_enum(current: S, to: S) -> type[StrEnum] | None:
    return REQUIRED_REASONS.get((current, to)) or REQUIRED_REASONS.get(to)


# The timestamp column each status stamps the first time it is reached.
MILESTONE_COLUMN: dict[S, str] = {
    S.received: "received_at",
    S.needs_info: "needs_info_at",
    S.accepted: "accepted_at",
    S.scheduled: "scheduled_at",
    S.completed: "completed_at",
    S.closed: "closed_at",
    S.declined: "declined_at",
    S.cancelled: "cancelled_at",
}
