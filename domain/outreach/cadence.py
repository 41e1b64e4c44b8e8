"""Cadence rules, applied just before a send so they see what was really sent.

- recipient_cap: at most N routine messages per recipient per rolling window; what it holds
  back waits for the daily digest.
- min_interval: one message of a kind per recipient per interval (check-ins, reminders).
- quiet_hours: nothing lands at night in the recipient's time zone; the send is deferred.
- appointment_changed: a reminder for an appointment that moved or ended is not sent.
- opted_out: a monthly report to a practice that opted out since it was queued is not sent.
Messages that ask for action or concern a patient's care are never capped, only counted;
links staff asked for (invitations, password resets) are not paced at all.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.kinds import ACCOUNT_KINDS, DIGESTIBLE_KINDS, LINK_KINDS, Channel
from domain.outreach.kinds import MessageKind as K
from domain.outreach.models import OutreachPreference
from domain.outreach.repository import LookupRepository, OutboxRepository, RecipientRef, recipient_key
from domain.outreach.settings import outreach_settings
from domain.providers.models import Organization
from domain.referrals.enums import AppointmentStatus
from domain.referrals.models import Appointment
from domain.shared.outbox import OutboxMessage

RECIPIENT_CAP = "recipient_cap"
MIN_INTERVAL = "min_interval"
QUIET_HOURS = "quiet_hours"
APPOINTMENT_CHANGED = "appointment_changed"
OPTED_OUT = "opted_out"
HUMAN_CHANNELS = (Channel.email.value, Channel.sms.value)


@dataclass(frozen=True)
class Verdict:
    rule: str
    defer_until: datetime | None = None  # set: wait; unset: suppress


def quiet_until(now: datetime, tz: str, *, start_hour: int, end_hour: int) -> datetime | None:
    """End of the quiet period `now` falls in, or None when it is daytime there."""
    local = now.astimezone(ZoneInfo(tz))
    overnight = start_hour > end_hour
    in_quiet = (local.hour >= start_hour or local.hour < end_hour) if overnight else start_hour <= local.hour < end_hour
    if not in_quiet:
        return None
    wake = local.replace(hour=end_hour, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


async def _time_zone(session: AsyncSession, message: OutboxMessage) -> str:
    if message.recipient_type == "provider" and message.recipient_id:
        pref: OutreachPreference | None = await LookupRepository(session).preference(message.recipient_id)
        if pref is not None:
            return pref.time_zone
    return outreach_settings().default_time_zone


@dataclass(frozen=True)
class _Counted:
    """Let through by the rules that look at the message alone; the counts decide the rest."""

    interval: int | None  # minutes: one of its kind per recipient per interval
    capped: bool  # counts against the recipient cap


async def check(session: AsyncSession, message: OutboxMessage, *, now: datetime) -> Verdict | None:
    return (await check_batch(session, [message], now=now))[message.id]


async def check_batch(
    session: AsyncSession, messages: list[OutboxMessage], *, now: datetime
) -> dict[uuid.UUID, Verdict | None]:
    """Each message's verdict, as if checked one at a time in the given order: each counts what its
    recipient was sent or has in flight outside the batch, plus what the batch let through before it.
    One lock statement and one count query for the whole batch."""
    verdicts: dict[uuid.UUID, Verdict | None] = {}
    counted: list[tuple[OutboxMessage, _Counted]] = []
    for message in messages:
        rule = await _rules(session, message, now=now)
        if isinstance(rule, _Counted):
            counted.append((message, rule))
        else:
            verdicts[message.id] = rule
    if not counted:
        return verdicts
    s = outreach_settings()
    repo = OutboxRepository(session)
    refs = [_ref(m) for m, _ in counted]
    # Two workers deciding for one recipient at once would both see room under the cap.
    await repo.lock_recipients(refs)
    kind_since = {m.kind: now - timedelta(minutes=r.interval) for m, r in counted if r.interval}
    recent = await repo.recent_counts(
        refs, since=now - timedelta(hours=s.cap_window_hours), kind_since=kind_since, exclude=[m.id for m in messages]
    )
    passed: list[tuple[str, str]] = []  # (recipient, kind) let through earlier in this batch
    for (message, rule), ref in zip(counted, refs, strict=True):
        who = recipient_key(*ref)
        mine = [c for c in recent if c.matches(ref)]
        same_kind = sum(c.since_kind_window for c in mine if c.kind == message.kind)
        if rule.interval and same_kind + passed.count((who, message.kind)):
            verdicts[message.id] = Verdict(MIN_INTERVAL)
            continue
        if rule.capped and sum(c.since_window for c in mine) + sum(1 for p in passed if p[0] == who) >= s.cap_count:
            verdicts[message.id] = Verdict(RECIPIENT_CAP)
            continue
        verdicts[message.id] = None
        passed.append((who, message.kind))
    return verdicts


def _ref(message: OutboxMessage) -> RecipientRef:
    return (message.recipient_type, message.recipient_id, message.recipient_address, message.referral_id)


async def _rules(session: AsyncSession, message: OutboxMessage, *, now: datetime) -> Verdict | _Counted | None:
    try:
        kind = K(message.kind)
    except ValueError:
        return None  # another context's message (FHIR push): not ours to pace
    if kind in ACCOUNT_KINDS:
        return None  # someone is waiting for this link now, whatever the hour
    s = outreach_settings()
    if kind is K.practice_report and await _practice_opted_out(session, message):
        return Verdict(OPTED_OUT)
    if kind in LINK_KINDS and await _reminder_is_stale(session, message):
        return Verdict(APPOINTMENT_CHANGED)
    if message.channel not in HUMAN_CHANNELS:
        return None
    wake = None
    if s.quiet_start_hour != s.quiet_end_hour:
        wake = quiet_until(
            now, await _time_zone(session, message), start_hour=s.quiet_start_hour, end_hour=s.quiet_end_hour
        )
    if wake is not None:
        return Verdict(QUIET_HOURS, defer_until=wake)
    if kind is K.digest:
        return None
    interval = s.min_interval_minutes.get(kind.value)
    capped = kind in DIGESTIBLE_KINDS
    return _Counted(interval, capped) if interval or capped else None


async def _reminder_is_stale(session: AsyncSession, message: OutboxMessage) -> bool:
    appointment_id = message.payload.get("appointment_id")
    if not appointment_id:
        return False
    appointment = await session.get(Appointment, uuid.UUID(appointment_id))
    return (
        appointment is None
        or appointment.status != AppointmentStatus.booked
        or appointment.start.isoformat() != message.payload.get("start")
    )


async def _practice_opted_out(session: AsyncSession, message: OutboxMessage) -> bool:
    """A practice that opted out after its report was queued does not get it."""
    organization = await session.get(Organization, message.recipient_id) if message.recipient_id else None
    return organization is None or organization.monthly_report_opt_out
