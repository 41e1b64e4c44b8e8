"""Search parameters shared by the facade, and searchset Bundles with paging links."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from domain.shared.clock import utcnow
from integrations.fhir.mappers.common import instant
from integrations.fhir.outcomes import FhirError
from integrations.fhir.references import base_url

DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = {"_count", "_cursor", "_format"}
DATE_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}(-\d{2}(-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?)$")


def check_params(params: list[tuple[str, str]], supported: set[str]) -> dict[str, list[str]]:
    """Unknown parameters are refused rather than ignored: ignoring one would widen the result."""
    out: dict[str, list[str]] = {}
    for name, value in params:
        base = name.split(":")[0]
        if base not in supported | PAGING:
            raise FhirError(
                400,
                f"Search parameter '{name}' is not supported here (supported: "
                f"{', '.join(sorted(supported | {'_count'}))}).",
                expression=name,
                code="not-supported",
            )
        if ":" in name and base not in ("_lastUpdated",):
            raise FhirError(400, f"Modifier in '{name}' is not supported.", expression=name, code="not-supported")
        out.setdefault(base, []).append(value)
    return out


def count_of(params: dict[str, list[str]]) -> int:
    raw = (params.get("_count") or [str(DEFAULT_COUNT)])[-1]
    if not raw.isdigit() or int(raw) < 1:
        raise FhirError(400, "_count must be a positive whole number.", expression="_count")
    return min(int(raw), MAX_COUNT)


def cursor_of(params: dict[str, list[str]]) -> str | None:
    """The last `_cursor` sent, if any."""
    values = params.get("_cursor")
    return values[-1] if values else None


def _moment(text: str, name: str) -> tuple[datetime, datetime]:
    """The [start, end) a FHIR date or dateTime of any precision covers."""
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return moment, moment + timedelta(microseconds=1)
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 1:
            return datetime(parts[0], 1, 1, tzinfo=UTC), datetime(parts[0] + 1, 1, 1, tzinfo=UTC)
        if len(parts) == 2:
            start = datetime(parts[0], parts[1], 1, tzinfo=UTC)
            end = datetime(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1, tzinfo=UTC)
            return start, end
        day = date(*parts)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start, start + timedelta(days=1)
    except ValueError as exc:
        raise FhirError(400, f"{name}: '{text}' is not a FHIR date.", expression=name) from exc


def date_range(values: list[str], name: str) -> tuple[datetime | None, datetime | None]:
    """AND of `_lastUpdated` values (eq, gt, ge, lt, le) as one [from, to) range."""
    low: datetime | None = None
    high: datetime | None = None
    for value in values:
        match = DATE_PREFIX.match(value.strip())
        if not match or match.group(1) in ("ne", "sa", "eb", "ap"):
            raise FhirError(
                400, f"{name}: '{value}' is not supported (use eq, gt, ge, lt or le with a date).", expression=name
            )
        prefix, (start, end) = match.group(1) or "eq", _moment(match.group(2), name)
        lows = {"eq": start, "ge": start, "gt": end}
        highs = {"eq": end, "le": end, "lt": start}
        if prefix in lows:
            low = max(low, lows[prefix]) if low else lows[prefix]
        if prefix in highs:
            high = min(high, highs[prefix]) if high else highs[prefix]
    return low, high


def searchset(
    resource_type: str,
    resources: list[dict[str, Any]],
    *,
    params: list[tuple[str, str]],
    next_cursor: str | None,
    total: int | None = None,
) -> dict[str, Any]:
    base = base_url()
    kept = [(k, v) for k, v in params if k != "_cursor"]
    links = [{"relation": "self", "url": f"{base}/{resource_type}?{urlencode(params)}".rstrip("?")}]
    if next_cursor:
        links.append(
            {"relation": "next", "url": f"{base}/{resource_type}?{urlencode([*kept, ('_cursor', next_cursor)])}"}
        )
    if any(k == "_cursor" for k, _ in params):
        links.append({"relation": "first", "url": f"{base}/{resource_type}?{urlencode(kept)}".rstrip("?")})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": instant(utcnow())},
        "link": links,
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
    if total is not None:
        bundle["total"] = total
    return bundle


def token(value: str) -> tuple[str | None, str]:
    """`system|code`, `|code` or `code`."""
    if "|" in value:
        system, _, code = value.partition("|")
        return (system or None), code
    return None, value
