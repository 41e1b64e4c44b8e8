"""Business-time arithmetic: pure functions over a calendar, no database.

A calendar is a time zone, weekly opening hours and holidays (local dates). Hours are wall-clock
times in the calendar's zone, so a day on which the clocks change still opens at 08:00 local.
"""

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


# Days and weeks of opening time remembered per calendar; past this many the memory starts afresh.
_MEMO_LIMIT = 20_000


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "UTC"
    # Weekday (0 = Monday) -> opening intervals in minutes after local midnight, sorted, not overlapping.
    hours: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    # A referral backdated by a year crosses hundreds of days: each day's and week's opening time is
    # worked out once per calendar (in UTC, so DST days count their true length), then looked up.
    _memo: dict[tuple[str, date] | tuple[str, date, date], timedelta] = field(
        default_factory=dict, compare=False, repr=False
    )
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

    def _remember(self, key: tuple[str, date] | tuple[str, date, date], value: timedelta) -> timedelta:
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = value
        return value

    def day_open(self, day: date) -> timedelta:
        """How long the calendar is open on a local day."""
        known = self._memo.get(("day", day))
        if known is not None:
            return known
        return self._remember(("day", day), sum((b - a for a, b in self.open_spans(day)), timedelta()))

    def week_open(self, monday: date) -> timedelta:
        """How long the calendar is open in the seven local days from a Monday."""
        known = self._memo.get(("week", monday))
        if known is not None:
            return known
        week = sum((self.day_open(monday + timedelta(days=n)) for n in range(7)), timedelta())
        return self._remember(("week", monday), week)


def _clipped(calendar: Calendar, day: date, start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    for open_at, close_at in calendar.open_spans(day):
        overlap = min(close_at, end) - max(open_at, start)
        if overlap > timedelta():
            total += overlap
    return total


def _whole_days(calendar: Calendar, first: date, last: date) -> timedelta:
    """Opening time of the local days first..last inclusive, a week at a time where it can.

    Clocks received the same day and counted the same day ask for the same range: it is remembered too."""
    known = calendar._memo.get(("range", first, last))
    if known is not None:
        return known
    total, day = timedelta(), first
    while day <= last:
        if day.weekday() == 0 and day + timedelta(days=6) <= last:
            total += calendar.week_open(day)
            day += timedelta(days=7)
        else:
            total += calendar.day_open(day)
            day += timedelta(days=1)
    return calendar._remember(("range", first, last), total)


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
    return int((total + _whole_days(calendar, first + timedelta(days=1), last - timedelta(days=1))).total_seconds())


def add_business_seconds(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """The instant at which `seconds` of business time have passed since `start`."""
    remaining = max(0.0, seconds)
    first = calendar.local_day(start)
    # The day before start's closes by start's local midnight: nothing of it can count.
    day, horizon = first, first + timedelta(days=_HORIZON_DAYS - 1)
    while day < horizon:
        # A day after start's counts whole: a week or a day that ends before the instant is passed over
        # by its remembered length, without working out its spans (a read asks for four due times).
        if day > first:
            if day.weekday() == 0 and (week := calendar.week_open(day).total_seconds()) < remaining:
                remaining -= week
                day += timedelta(days=7)
                continue
            if (whole := calendar.day_open(day).total_seconds()) < remaining:
                remaining -= whole
                day += timedelta(days=1)
                continue
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
