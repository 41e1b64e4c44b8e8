"""Business-time arithmetic: pure functions over a calendar, no database.

A calendar is a time zone, weekly opening hours and holidays (local dates). Hours are wall-clock
times in the calendar's zone, so a day on which the clocks change still opens at 08:00 local.
"""

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS: dict[Weekday, list[tuple[str, str]]] = {day: [("08:00", "17:00")] for day in WEEKDAYS[:5]}
# Longest search for an open minute; a calendar open less than this is refused when saved.
_HORIZON_DAYS = 3 * 366


def minutes_of(text: str) -> int:
    """'08:30' -> 510; '24:00' is the end of the day."""
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (len(hours) == 2 and len(minutes) == 2 and 0 <= int(minutes) < 60 and 0 <= value <= 1440):
        raise ValueError(f"{text!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    return value


# Days whose spans are remembered per calendar; past this many the memory starts afresh.
_MEMO_LIMIT = 20_000
# Days of running totals worked out at a time, forwards or backwards.
_CHUNK_DAYS = 64
_MICROSECOND = timedelta(microseconds=1)


class _OpenTotals:
    """Opening time of a run of days as running totals (microseconds): `totals[i]` is the time open on
    the days from `base` up to, not including, `base + i`. Any run of whole days is one subtraction, and
    the memory grows with the days asked about, not with the pairs of days (a read asks about a new pair)."""

    def __init__(self) -> None:
        self.base = 0  # the first day's ordinal
        self.totals: list[int] = [0]

    def end(self) -> int:
        """The ordinal of the first day not yet counted."""
        return self.base + len(self.totals) - 1

    def cover(self, calendar: "Calendar", first: int, last: int) -> None:
        """Count every day from ordinal first to last, inclusive."""
        if len(self.totals) == 1:
            self.base = first
        if first < self.base:
            earlier = _opens(calendar, first - _CHUNK_DAYS, self.base)
            running = [0]
            for opened in earlier:
                running.append(running[-1] + opened)
            self.totals = running + [running[-1] + total for total in self.totals[1:]]
            self.base = first - _CHUNK_DAYS
        if last >= self.end():
            for opened in _opens(calendar, self.end(), last + _CHUNK_DAYS):
                self.totals.append(self.totals[-1] + opened)

    def before(self, day: int) -> int:
        """Microseconds open from `base` up to, not including, day (counted already)."""
        return self.totals[day - self.base]

    def reaching(self, calendar: "Calendar", start: int, wanted: float, horizon: int) -> int | None:
        """The first day from start by whose end `wanted` microseconds are open since start's beginning;
        None when that is past horizon."""
        self.cover(calendar, start, start)
        target = self.before(start) + wanted
        while True:
            index = bisect_left(self.totals, target, lo=start - self.base + 1)
            if index < len(self.totals):
                return self.base + index - 1
            if self.end() > horizon:
                return None
            self.cover(calendar, start, self.end() + 7 * _CHUNK_DAYS)


def _opens(calendar: "Calendar", first: int, end: int) -> list[int]:
    """Microseconds open on each day from ordinal first up to, not including, end."""
    return [
        sum((b - a for a, b in calendar.open_spans(date.fromordinal(day))), timedelta()) // _MICROSECOND
        for day in range(first, end)
    ]


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "UTC"
    # Weekday (0 = Monday) -> opening intervals in minutes after local midnight, sorted, not overlapping.
    hours: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    # A referral backdated by a year crosses hundreds of days: the days' opening time is worked out
    # once per calendar (in UTC, so DST days count their true length) and kept as running totals.
    _totals: _OpenTotals = field(default_factory=_OpenTotals, compare=False, repr=False)
    # Each day's spans as UTC instants, which every clock of a read asks for again (ZoneInfo arithmetic).
    _spans: dict[date, tuple[tuple[datetime, datetime], ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        time_zone: str,
        weekly_hours: Mapping[Weekday, Sequence[Sequence[str]]] | Mapping[str, Sequence[Sequence[str]]],
        holidays: frozenset[date] | set[date] = frozenset(),
    ) -> "Calendar":
        hours = {
            WEEKDAYS.index(day): tuple(sorted((minutes_of(start), minutes_of(end)) for start, end in spans))
            for day, spans in weekly_hours.items()
            if spans
        }
        return cls(time_zone=time_zone, hours=hours, holidays=frozenset(holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def day_seconds(self) -> int:
        """Length of a business day: the mean over the days that open (9 h for Mon-Fri 08:00-17:00)."""
        open_days = [sum(end - start for start, end in spans) for spans in self.hours.values() if spans]
        return round(60 * sum(open_days) / len(open_days)) if open_days else 0

    def open_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's opening intervals as UTC instants (none on a holiday)."""
        known = self._spans.get(day)
        if known is not None:
            return known
        midnight = datetime.combine(day, time(0), tzinfo=self.zone)
        # Aware arithmetic in one zone is wall-clock arithmetic: 08:00 stays 08:00 on a DST day.
        spans = tuple(
            ((midnight + timedelta(minutes=start)).astimezone(UTC), (midnight + timedelta(minutes=end)).astimezone(UTC))
            for start, end in (() if day in self.holidays else self.hours.get(day.weekday(), ()))
        )
        if len(self._spans) >= _MEMO_LIMIT:
            self._spans.clear()
        self._spans[day] = spans
        return spans

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def open_between(self, first: date, last: date) -> timedelta:
        """How long the calendar is open on the local days first..last inclusive (nothing when last < first)."""
        if last < first:
            return timedelta()
        start, end = first.toordinal(), last.toordinal()
        self._totals.cover(self, start, end)
        return timedelta(microseconds=self._totals.before(end + 1) - self._totals.before(start))

    def day_reaching(self, first: date, seconds: float, horizon: date) -> tuple[date, float]:
        """The first local day from `first` by whose end the calendar has been open `seconds`, and what of
        `seconds` is left for that day after the days before it; `horizon` when not reached before it."""
        totals, start = self._totals, first.toordinal()
        day = totals.reaching(self, start, seconds * 1_000_000, horizon.toordinal())
        if day is None:
            return horizon, seconds
        return date.fromordinal(day), seconds - (totals.before(day) - totals.before(start)) / 1_000_000


def _clipped(calendar: Calendar, day: date, start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    for open_at, close_at in calendar.open_spans(day):
        overlap = min(close_at, end) - max(open_at, start)
        if overlap > timedelta():
            total += overlap
    return total


def business_seconds(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Business time between two instants, in whole seconds (0 when end is not after start)."""
    if end <= start:
        return 0
    # Opening hours lie inside their local day, so every day strictly between the first and the last
    # counts whole; only those two are clipped to the instants.
    first, last = calendar.local_day(start), calendar.local_day(end)
    if first == last:
        return int(_clipped(calendar, first, start, end).total_seconds())
    total = _clipped(calendar, first, start, end) + _clipped(calendar, last, start, end)
    return int((total + calendar.open_between(first + timedelta(days=1), last - timedelta(days=1))).total_seconds())


def add_business_seconds(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """The instant at which `seconds` of business time have passed since `start`."""
    remaining = max(0.0, seconds)
    first = calendar.local_day(start)
    # The day before start's closes by start's local midnight: nothing of it can count.
    day, horizon = first, first + timedelta(days=_HORIZON_DAYS - 1)
    while day < horizon:
        # Days after start's count whole: those that end before the instant are passed over by their
        # running total, without working out their spans (a read asks for two due times).
        if day > first:
            day, remaining = calendar.day_reaching(day, remaining, horizon)
            if day >= horizon:
                break
        for open_at, close_at in calendar.open_spans(day):
            begin = max(open_at, start)
            available = (close_at - begin).total_seconds()
            if available <= 0:
                continue
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        day += timedelta(days=1)
    raise ValueError("the calendar has no business time in the next three years")


# SLA clocks.

AT_RISK_SHARE = 0.75


@dataclass(frozen=True)
class ClockInput:
    target_seconds: int
    received_at: datetime
    done_at: datetime | None = None  # the milestone was reached
    stopped_at: datetime | None = None  # the referral ended without reaching it
    paused_seconds: int = 0  # business time spent in needs_info, finished pauses
    paused_since: datetime | None = None  # in needs_info now


@dataclass(frozen=True)
class ClockState:
    state: str  # on_track | at_risk | breached | met
    due_at: datetime | None  # None while paused: the due time moves with the pause
    at_risk_at: datetime | None
    business_seconds_left: int
    paused: bool
    stopped: bool
    reached: bool

    @property
    def running(self) -> bool:
        return not (self.reached or self.stopped or self.paused)


def clock_state(calendar: Calendar, clock: ClockInput, *, now: datetime, risk: bool = True) -> ClockState:
    """`risk=False` leaves `at_risk_at` unset: a view shows the state, not when it turns at risk."""
    end = clock.done_at or clock.stopped_at or now
    paused_since = clock.paused_since if clock.done_at is None and clock.stopped_at is None else None
    paused = paused_since is not None
    counted_until = min(end, paused_since) if paused_since is not None else end
    elapsed = business_seconds(calendar, clock.received_at, counted_until) - clock.paused_seconds
    left = clock.target_seconds - elapsed
    if paused:
        due_at = at_risk_at = None
    else:
        due_at = add_business_seconds(calendar, clock.received_at, clock.target_seconds + clock.paused_seconds)
        risk_after = AT_RISK_SHARE * clock.target_seconds + clock.paused_seconds
        at_risk_at = add_business_seconds(calendar, clock.received_at, risk_after) if risk else None
    if clock.done_at is not None:
        state = "met" if left >= 0 else "breached"
    elif left <= 0:
        state = "breached"
    elif elapsed >= AT_RISK_SHARE * clock.target_seconds:
        state = "at_risk"
    else:
        state = "on_track"
    return ClockState(
        state=state,
        due_at=due_at,
        at_risk_at=at_risk_at,
        business_seconds_left=left,
        paused=paused,
        stopped=clock.stopped_at is not None and clock.done_at is None,
        reached=clock.done_at is not None,
    )
