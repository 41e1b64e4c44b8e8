"""A period as the whole UTC days inside it, which daily tables answer, and the partial days at its edges."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_

from domain.analytics.repository import F
from domain.analytics.schemas import Period


def full_days(period: Period) -> tuple[datetime, datetime] | None:
    """[first, last): the whole UTC days inside the period, or None when it holds none."""
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    return (first, last) if first < last else None


def edges(period: Period, days: tuple[datetime, datetime]) -> Any:
    """The facts of the partial first and last days."""
    first, last = days
    return or_(
        and_(F.c.received_at >= period.start, F.c.received_at < first),
        and_(F.c.received_at >= last, F.c.received_at < period.end),
    )
