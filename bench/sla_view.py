"""What a referral's SLA view costs a read, with the built-in calendar and with one a practice saved.

    .venv/bin/python bench/sla_view.py [--n 2000]

The detail read (GET /v1/referrals/{id}) works out both milestones' state and due time from the
clock row and the calendar row it reads with the referral. The bench database keeps the built-in
calendar; a practice that set its hours has a calendar row, read again with every referral. This
prints CPU microseconds per view for referrals received 3, 40 and 200 days ago, both ways, each view
of a new referral (a distinct received time, as random ids give), in this process, no database.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.journey import sla  # noqa: E402
from domain.journey.models import BusinessCalendar, ReferralClock  # noqa: E402
from domain.referrals import views  # noqa: E402
from domain.referrals.schemas import Referral as ReferralView  # noqa: E402
from domain.shared.clock import utcnow  # noqa: E402

SAVED = {
    "time_zone": "America/New_York",
    "weekly_hours": {day: [["08:00", "12:00"], ["13:00", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [{"start": "2026-11-26", "name": "Thanksgiving"}, {"start": "2026-12-24", "end": "2026-12-26"}],
}


def referral(received_days_ago: float) -> ReferralView:
    received = utcnow() - timedelta(days=received_days_ago)
    return views.construct(ReferralView, dict.fromkeys(sla.TIMELINE) | {"status": "accepted", "received_at": received})


def clock() -> ReferralClock:
    return ReferralClock(
        first_contact_target_s=16 * 3600,
        scheduled_target_s=10 * 9 * 3600,
        paused_seconds=0,
        paused_since=None,
        first_contact_escalated_at=None,
        scheduled_escalated_at=None,
    )


def per_view(age_days: int, calendar: dict | None, n: int) -> float:
    referrals = [referral(age_days + random.random()) for _ in range(n)]
    the_clock, now = clock(), utcnow()
    started = time.process_time()
    for one in referrals:
        # A new row object each read, as the read decodes one from the statement's record.
        row = BusinessCalendar(**calendar) if calendar else None
        sla.view_of(one, the_clock, row, now=now)
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="views per case and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("CPU microseconds per SLA view (median of rounds)")
    print("| received | built-in calendar | saved calendar |")
    print("|---|---|---|")
    for age in (3, 40, 200):
        built_in = statistics.median(per_view(age, None, args.n) for _ in range(args.rounds))
        saved = statistics.median(per_view(age, SAVED, args.n) for _ in range(args.rounds))
        print(f"| {age} days ago | {built_in:.0f} | {saved:.0f} |")


if __name__ == "__main__":
    main()
