"""CSV of the same figures the screens show (never a patient field), rendered row by row."""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from domain.relationships.schemas import ReferrerRow, Roi, Scorecard

REFERRER_COLUMNS = (
    "provider_id",
    "name",
    "npi",
    "specialty",
    "organization_name",
    "volume",
    "prior_volume",
    "trend",
    "conversion_rate",
    "median_days_to_appointment",
    "leakage_rate",
    "loop_closure_rate",
    "revenue",
    "score",
    "tier",
    "segment",
    "cooling",
    "last_touchpoint_at",
    "owner_liaison_name",
    "as_of",
)
SCORECARD_COLUMNS = (
    "month",
    "volume",
    "conversion_rate",
    "median_days_to_appointment",
    "leakage_rate",
    "loop_closure_rate",
    "revenue",
)
ROI_COLUMNS = ("program_id", "name", "cost", "attributed_referrals", "attributed_revenue", "roi")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 4)
    text = str(value)
    # A cell a spreadsheet would run as a formula is quoted as text (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def rows_to_csv(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(row.get(c)) for c in columns])
        yield buffer.getvalue()


def referrers(items: Iterable[ReferrerRow]) -> Iterator[str]:
    return rows_to_csv(REFERRER_COLUMNS, (i.model_dump(mode="json") for i in items))


def scorecard(card: Scorecard) -> Iterator[str]:
    return rows_to_csv(SCORECARD_COLUMNS, (p.model_dump(mode="json") for p in card.series))


def roi(table: Roi) -> Iterator[str]:
    return rows_to_csv(ROI_COLUMNS, (p.model_dump(mode="json") for p in table.programs))
