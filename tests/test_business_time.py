"""Business-time arithmetic: weekends, holidays, DST, pauses, arrivals outside hours."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.journey.business_time import (
    DEFAULT_HOURS,
    WEEKDAYS,
    Calendar,
    ClockInput,
    add_business_seconds,
    business_seconds,
    clock_state,
)

H = 3600
NY = Calendar.build("America/New_York", DEFAULT_HOURS)


def ny(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A New York wall-clock time as a UTC instant."""
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def test_weekend_does_not_count():
    friday_4pm = ny(2026, 11, 6, 16, 0)
    assert add_business_seconds(NY, friday_4pm, 2 * H) == ny(2026, 11, 9, 9, 0)
    assert business_seconds(NY, friday_4pm, ny(2026, 11, 9, 9, 0)) == 2 * H


def test_holiday_is_skipped():
    calendar = Calendar.build("America/New_York", DEFAULT_HOURS, {date(2026, 11, 26)})  # Thanksgiving
    wednesday_4pm = ny(2026, 11, 25, 16, 0)
    assert add_business_seconds(calendar, wednesday_4pm, 2 * H) == ny(2026, 11, 27, 9, 0)
    assert business_seconds(calendar, wednesday_4pm, ny(2026, 11, 27, 17, 0)) == 10 * H
    assert business_seconds(NY, wednesday_4pm, ny(2026, 11, 27, 17, 0)) == 19 * H


def test_spring_forward_keeps_local_opening_hours():
    # Clocks go forward on Sunday 8 March 2026: Friday closes at 22:00 UTC, Monday opens at 12:00 UTC.
    friday_4pm = ny(2026, 3, 6, 16, 0)
    monday_9am = ny(2026, 3, 9, 9, 0)
    assert friday_4pm == datetime(2026, 3, 6, 21, 0, tzinfo=UTC)
    assert monday_9am == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert add_business_seconds(NY, friday_4pm, 2 * H) == monday_9am
    assert business_seconds(NY, friday_4pm, monday_9am) == 2 * H


def test_a_round_the_clock_calendar_has_a_23_hour_day_when_clocks_go_forward():
    always = Calendar.build("America/New_York", {day: [("00:00", "24:00")] for day in ("sat", "sun", "mon")})
    assert business_seconds(always, ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0)) == 23 * H
    assert business_seconds(always, ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0)) == 25 * H


def test_arrival_outside_hours_starts_the_clock_at_the_next_opening():
    saturday_night = ny(2026, 11, 7, 22, 30)
    assert add_business_seconds(NY, saturday_night, 0) == ny(2026, 11, 9, 8, 0)
    assert add_business_seconds(NY, saturday_night, 16 * H) == ny(2026, 11, 10, 15, 0)
    early_tuesday = ny(2026, 11, 10, 6, 0)
    assert business_seconds(NY, early_tuesday, ny(2026, 11, 10, 8, 0)) == 0
    assert add_business_seconds(NY, early_tuesday, H) == ny(2026, 11, 10, 9, 0)


def test_day_length_is_the_mean_open_day():
    assert NY.day_seconds() == 9 * H
    split = Calendar.build("UTC", {"mon": [("08:00", "12:00"), ("13:00", "17:00")]})
    assert split.day_seconds() == 8 * H
    assert add_business_seconds(split, datetime(2026, 11, 9, 11, tzinfo=UTC), 2 * H) == datetime(
        2026, 11, 9, 14, tzinfo=UTC
    )


def test_both_directions_agree_over_a_month():
    start = ny(2026, 10, 20, 11, 17)
    for hours in range(0, 200, 7):
        due = add_business_seconds(NY, start, hours * H)
        assert business_seconds(NY, start, due) == hours * H


def test_clock_goes_at_risk_at_75_percent_then_breaches():
    received = ny(2026, 11, 9, 8, 0)  # Monday opening
    clock = ClockInput(target_seconds=16 * H, received_at=received)
    assert clock_state(NY, clock, now=ny(2026, 11, 9, 16, 0)).state == "on_track"
    at_risk = clock_state(NY, clock, now=ny(2026, 11, 10, 12, 0))  # 13 of 16 h
    assert at_risk.state == "at_risk"
    assert at_risk.business_seconds_left == 3 * H
    assert at_risk.at_risk_at == ny(2026, 11, 10, 11, 0)
    assert at_risk.due_at == ny(2026, 11, 10, 15, 0)
    breached = clock_state(NY, clock, now=ny(2026, 11, 10, 16, 0))
    assert breached.state == "breached"
    assert breached.business_seconds_left == -H


def test_met_in_time_stays_met_and_late_is_breached():
    received = ny(2026, 11, 9, 8, 0)
    on_time = ClockInput(target_seconds=2 * H, received_at=received, done_at=ny(2026, 11, 9, 9, 30))
    assert clock_state(NY, on_time, now=ny(2026, 12, 1, 12, 0)).state == "met"
    late = ClockInput(target_seconds=2 * H, received_at=received, done_at=ny(2026, 11, 9, 11, 0))
    assert clock_state(NY, late, now=ny(2026, 12, 1, 12, 0)).state == "breached"


def test_needs_info_pauses_the_clock():
    received = ny(2026, 11, 9, 8, 0)
    paused = ClockInput(target_seconds=4 * H, received_at=received, paused_since=ny(2026, 11, 9, 10, 0))
    # Two days later, still waiting on the referrer: only the two hours before the pause count.
    state = clock_state(NY, paused, now=ny(2026, 11, 11, 15, 0))
    assert (state.state, state.paused, state.business_seconds_left, state.due_at) == ("on_track", True, 2 * H, None)
    # Back after a full business day away: that day is added to the due time.
    resumed = ClockInput(target_seconds=4 * H, received_at=received, paused_seconds=9 * H)
    state = clock_state(NY, resumed, now=ny(2026, 11, 10, 10, 0))
    assert state.due_at == ny(2026, 11, 10, 12, 0)
    assert state.state == "on_track"
    assert state.business_seconds_left == 2 * H


def test_a_referral_that_ended_stops_its_clock():
    received = ny(2026, 11, 9, 8, 0)
    clock = ClockInput(target_seconds=4 * H, received_at=received, stopped_at=ny(2026, 11, 9, 9, 0))
    state = clock_state(NY, clock, now=ny(2026, 11, 20, 9, 0))
    assert state.stopped and state.state == "on_track" and state.business_seconds_left == 3 * H


@pytest.mark.parametrize("bad", ["8:00", "25:00", "08:60", "noon"])
def test_bad_times_of_day_are_refused(bad):
    with pytest.raises(ValueError):
        Calendar.build("UTC", {"mon": [(bad, "17:00")]})


def test_a_calendar_with_no_hours_cannot_hide_a_due_time():
    with pytest.raises(ValueError):
        add_business_seconds(Calendar.build("UTC", {}), datetime(2026, 1, 1, tzinfo=UTC), H)


AWKWARD_CALENDARS = [
    Calendar.build(
        "America/New_York",
        DEFAULT_HOURS,
        {date(2025, 12, 25), date(2026, 1, 1), date(2026, 7, 3), date(2026, 11, 26)},
    ),
    # Open round the clock on Sundays, when these zones change their clocks (by an hour, by half an hour).
    Calendar.build("Europe/London", {"sun": [["00:00", "24:00"]], "sat": [["09:00", "12:00"]]}),
    Calendar.build("Australia/Lord_Howe", {d: [["00:00", "12:00"], ["13:00", "24:00"]] for d in WEEKDAYS}),
]


def _random_start(rng: random.Random) -> datetime:
    """An instant in the 800 days from 2024-10-01, to the microsecond."""
    base = datetime(2024, 10, 1, tzinfo=UTC)
    return base + timedelta(seconds=rng.randrange(800 * 86400), microseconds=rng.randrange(10**6))


def _day_by_day(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Every opening span of every local day clipped to [start, end]: the plain definition."""
    total = timedelta()
    day = calendar.local_day(start)
    while day <= calendar.local_day(end):
        for open_at, close_at in calendar.open_spans(day):
            total += max(timedelta(), min(close_at, end) - max(open_at, start))
        day += timedelta(days=1)
    return int(total.total_seconds())


def test_long_spans_count_what_each_day_counts_across_dst_and_holidays():
    """A referral backdated by two years is counted from the days' running totals, with the same answer."""
    rng = random.Random(7)
    for _ in range(300):
        calendar = rng.choice(AWKWARD_CALENDARS)
        start = _random_start(rng)
        end = start + timedelta(seconds=rng.randrange(rng.choice([3 * 3600, 9 * 86400, 700 * 86400])))
        assert business_seconds(calendar, start, end) == _day_by_day(calendar, start, end), (calendar, start, end)
        assert business_seconds(calendar, start, end) == _day_by_day(calendar, start, end)  # totals already counted


def _due_day_by_day(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """Every opening span of every local day from start's, in turn, until the time is used: the plain definition."""
    day = calendar.local_day(start) - timedelta(days=1)
    while True:
        for open_at, close_at in calendar.open_spans(day):
            available = (close_at - max(open_at, start)).total_seconds()
            if available > 0:
                if seconds <= available:
                    return max(open_at, start) + timedelta(seconds=seconds)
                seconds -= available
        day += timedelta(days=1)


def test_due_times_far_ahead_match_the_span_by_span_walk_across_dst_and_holidays():
    """Whole days are passed over by their running totals, with the same instant."""
    rng = random.Random(11)
    for _ in range(400):
        calendar = rng.choice(AWKWARD_CALENDARS)
        start = _random_start(rng)
        # Whole hours, a day's or week's opening exactly, and the quarter seconds an at-risk share gives.
        seconds = rng.choice([rng.randrange(400) * H, 9 * H, 45 * H, 0.75 * rng.randrange(10**7), 0])
        expected = _due_day_by_day(calendar, start, seconds)
        assert add_business_seconds(calendar, start, seconds) == expected, (calendar.time_zone, start, seconds)
        assert add_business_seconds(calendar, start, seconds) == expected  # totals already counted


def test_clocks_received_on_any_day_keep_what_the_calendar_remembers_small():
    """A worker reads referrals received on any day of two years, each measured to its own end: the
    calendar remembers each day once, not each pair of days (the API's memory grew for minutes so)."""
    import tracemalloc

    rng = random.Random(5)
    calendar = Calendar.build("America/New_York", DEFAULT_HOURS, {date(2025, 12, 25), date(2026, 11, 26)})

    def clocks(n: int) -> None:
        for _ in range(n):
            start = _random_start(rng)
            end = start + timedelta(seconds=rng.randrange(400 * 86400))
            assert business_seconds(calendar, start, end) == _day_by_day(calendar, start, end)
            add_business_seconds(calendar, start, rng.randrange(200) * H)

    clocks(500)  # the days themselves, once
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        clocks(5_000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000, f"{grown:,} bytes more after 5,000 clocks"
