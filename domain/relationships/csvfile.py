"""Reading a referral history CSV into checked rows, or a list of every problem found.

Pure: no database. The directory lookups (NPI, name at practice) come in as a `Directory`.
"""

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from domain.referrals.enums import DeclineReason, LeakageReason, PayerClass, ReferralSource, Urgency
from domain.referrals.enums import ReferralStatus as S
from domain.shared.crypto import normalise_for_index

MAX_BYTES = 32 * 1024 * 1024
MAX_REPORTED_ERRORS = 500

REQUIRED = ("received_at", "service_line", "status", "patient_given_name", "patient_family_name", "patient_birth_date")
OPTIONAL = (
    "source_id",
    "referrer_npi",
    "referrer_name",
    "referrer_practice",
    "urgency",
    "payer_class",
    "payer_name",
    "status_reason",
    "appointment_date",
    "completion_date",
    "status_date",
    "referral_source",
    "patient_mrn",
    "patient_sex",
    "patient_phone",
    "actual_revenue",
)
COLUMNS = REQUIRED + OPTIONAL
REASONS = {S.declined: {r.value for r in DeclineReason} | {"incomplete"}, S.cancelled: {r.value for r in LeakageReason}}
SEXES = {"female", "male", "other", "unknown"}


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file, the header being line 1
    column: str | None
    problem: str


@dataclass
class Directory:
    """Referrers the file may name: by NPI, and by (normalised name, normalised practice)."""

    by_npi: dict[str, tuple[uuid.UUID, uuid.UUID | None]] = field(default_factory=dict)
    by_name: dict[tuple[str, str], tuple[uuid.UUID, uuid.UUID | None]] = field(default_factory=dict)


@dataclass
class HistoryRow:
    line: int
    source_id: str | None
    received_at: datetime
    provider_id: uuid.UUID
    organization_id: uuid.UUID | None
    service_line: str
    urgency: str
    payer_class: str | None
    payer_name: str | None
    status: S
    status_reason: str | None
    appointment_at: datetime | None
    completed_at: datetime | None
    status_at: datetime
    referral_source: str
    given_name: str
    family_name: str
    birth_date: date
    mrn: str | None
    sex: str | None
    phone: str | None
    actual_revenue: Decimal | None


class FileRejected(Exception):
    def __init__(self, detail: str, errors: list[RowError]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def name_key(name: str, practice: str) -> tuple[str, str]:
    return normalise_for_index(name), normalise_for_index(practice)


def _moment(text: str) -> datetime:
    """A date (midnight UTC) or an ISO datetime; a datetime without zone is UTC."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Cells:
    """One line's cells, collecting problems instead of stopping at the first."""

    def __init__(self, line: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.line, self.cells, self.errors = line, cells, errors

    def fail(self, column: str | None, problem: str) -> None:
        self.errors.append(RowError(self.line, column, problem))

    def text(self, column: str, *, limit: int = 200) -> str | None:
        value = (self.cells.get(column) or "").strip()
        if len(value) > limit:
            self.fail(column, f"is longer than {limit} characters")
            return None
        return value or None

    def required(self, column: str, *, limit: int = 200) -> str:
        value = self.text(column, limit=limit)
        if value is None and (self.cells.get(column) or "").strip() == "":
            self.fail(column, "is empty; a value is required")
        return value or ""

    def moment(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.required(column) if required else self.text(column)
        if not value:
            return None
        try:
            return _moment(value)
        except ValueError:
            self.fail(column, f"{value!r} is not a date (YYYY-MM-DD) or ISO 8601 datetime")
            return None

    def choice(self, column: str, allowed: set[str], default: str | None) -> str | None:
        value = self.text(column)
        if value is None:
            return default
        if value.lower() not in allowed:
            self.fail(column, f"{value!r} is not one of {', '.join(sorted(allowed))}")
            return default
        return value.lower()


def _referrer(row: Cells, directory: Directory) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    npi, name, practice = row.text("referrer_npi", limit=10), row.text("referrer_name"), row.text("referrer_practice")
    if npi:
        found = directory.by_npi.get(npi)
        if found is None:
            row.fail("referrer_npi", f"no provider with NPI {npi} in the directory; import the directory first")
        return found
    if name and practice:
        found = directory.by_name.get(name_key(name, practice))
        if found is None:
            row.fail("referrer_name", f"no provider named {name!r} at {practice!r} in the directory")
        return found
    row.fail("referrer_npi", "give referrer_npi, or referrer_name with referrer_practice")
    return None


def _check_row(row: Cells, directory: Directory, now: datetime) -> HistoryRow | None:
    before = len(row.errors)
    received_at = row.moment("received_at", required=True)
    if received_at is not None and received_at > now:
        row.fail("received_at", "is in the future")
    referrer = _referrer(row, directory)
    status = row.choice("status", {s.value for s in S}, None)
    if status is None and "status" not in {e.column for e in row.errors[before:]}:
        row.fail("status", "is empty; a final status is required")
    reason = row.text("status_reason", limit=32)
    if status in (S.declined, S.cancelled):
        allowed = REASONS[S(status)]
        if reason is None or reason.lower() not in allowed:
            row.fail("status_reason", f"a {status} referral needs a reason: one of {', '.join(sorted(allowed))}")
        reason = reason.lower() if reason else None
    elif reason is not None and status is not None:
        row.fail("status_reason", f"only declined and cancelled referrals carry a reason, not {status}")
    appointment_at = row.moment("appointment_date")
    completed_at = row.moment("completion_date")
    status_at = row.moment("status_date")
    if (
        status in (S.completed, S.closed)
        and completed_at is None
        and "completion_date" not in {e.column for e in row.errors[before:]}
    ):
        row.fail("completion_date", f"a {status} referral needs its completion date")
    if status == S.scheduled and appointment_at is None:
        row.fail("appointment_date", "a scheduled referral needs its appointment date")
    for column, value in (
        ("appointment_date", appointment_at),
        ("completion_date", completed_at),
        ("status_date", status_at),
    ):
        if value is not None and received_at is not None and value.date() < received_at.date():
            row.fail(column, "is before received_at")
    birth = row.required("patient_birth_date")
    birth_date = None
    if birth:
        try:
            birth_date = date.fromisoformat(birth)
        except ValueError:
            row.fail("patient_birth_date", f"{birth!r} is not a date (YYYY-MM-DD)")
    revenue_text = row.text("actual_revenue", limit=20)
    revenue = None
    if revenue_text:
        try:
            revenue = Decimal(revenue_text)
            if revenue < 0 or not revenue.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            row.fail("actual_revenue", f"{revenue_text!r} is not an amount")
    fields = {
        "source_id": row.text("source_id"),
        "service_line": row.required("service_line", limit=100),
        "urgency": row.choice("urgency", {u.value for u in Urgency}, "routine"),
        "payer_class": row.choice("payer_class", {p.value for p in PayerClass}, None),
        "payer_name": row.text("payer_name"),
        "referral_source": row.choice("referral_source", {r.value for r in ReferralSource}, "physician"),
        "given_name": row.required("patient_given_name", limit=100),
        "family_name": row.required("patient_family_name", limit=100),
        "mrn": row.text("patient_mrn", limit=64),
        "sex": row.choice("patient_sex", SEXES, None),
        "phone": row.text("patient_phone", limit=40),
    }
    if len(row.errors) > before or received_at is None or referrer is None or status is None or birth_date is None:
        return None
    final = S(status)
    if status_at is None:
        status_at = completed_at or appointment_at or received_at
    return HistoryRow(
        line=row.line,
        received_at=received_at,
        provider_id=referrer[0],
        organization_id=referrer[1],
        status=final,
        status_reason=reason,
        appointment_at=appointment_at,
        completed_at=completed_at,
        status_at=status_at,
        birth_date=birth_date,
        actual_revenue=revenue,
        **fields,  # type: ignore[arg-type]
    )


def _lines(data: bytes) -> Iterator[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(f"The file is not UTF-8 text (byte {exc.start} is not valid).", []) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRejected(
            "The file contains a NUL byte: it is not a CSV text file.", [RowError(line, None, "contains a NUL byte")]
        )
    return iter(io.StringIO(text, newline=""))


def open_table(
    data: bytes, *, columns: tuple[str, ...], required: tuple[str, ...], max_bytes: int = MAX_BYTES
) -> "csv.DictReader[str]":
    """A CSV reader with a checked header; FileRejected for size, encoding, NUL bytes and header problems."""
    if len(data) > max_bytes:
        raise FileRejected(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {max_bytes // 1024 // 1024} MB. "
            "Split it into smaller files.",
            [],
        )
    reader = csv.DictReader(_lines(data), strict=True)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise FileRejected("The file is empty: it needs a header line and at least one row.", [])
    reader.fieldnames = header
    unknown = [h for h in header if h not in columns]
    missing = [c for c in required if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        errors = [RowError(1, c, "is not a column this import knows") for c in unknown]
        errors += [RowError(1, c, "is a required column and is missing") for c in missing]
        errors += [RowError(1, c, "appears twice") for c in sorted({h for h in header if header.count(h) > 1})]
        raise FileRejected(f"The header is wrong. Columns: {', '.join(columns)}.", errors)
    return reader


def table_rows(reader: "csv.DictReader[str]", errors: list[RowError]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, cells) for each well-formed line; ragged or broken lines become errors. Stops at the error limit."""
    width = len(reader.fieldnames or ())
    try:
        for cells in reader:
            line = reader.line_num
            if None in cells:
                errors.append(RowError(line, None, f"has more cells than the header's {width}"))
            elif any(v is None for v in cells.values()):
                errors.append(RowError(line, None, f"has fewer cells than the header's {width}"))
            else:
                yield line, cells
            if len(errors) >= MAX_REPORTED_ERRORS:
                return
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, None, f"is not valid CSV: {exc}"))


def reject_if_any(errors: list[RowError], loaded: str = "loaded") -> None:
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = " (the first ones shown)" if len(errors) >= MAX_REPORTED_ERRORS else ""
        raise FileRejected(f"{len(shown)} problems{more}; nothing was {loaded}.", shown)


def read(data: bytes, directory: Directory, *, now: datetime) -> list[HistoryRow]:
    """Every row checked; FileRejected with all the problems (up to MAX_REPORTED_ERRORS) otherwise."""
    reader = open_table(data, columns=COLUMNS, required=REQUIRED)
    rows: list[HistoryRow] = []
    errors: list[RowError] = []
    seen_ids: dict[str, int] = {}
    for line, cells in table_rows(reader, errors):
        checked = _check_row(Cells(line, cells, errors), directory, now)
        if checked is not None and checked.source_id is not None:
            if checked.source_id in seen_ids:
                errors.append(RowError(line, "source_id", f"repeats line {seen_ids[checked.source_id]}"))
                continue
            seen_ids[checked.source_id] = line
        if checked is not None:
            rows.append(checked)
    reject_if_any(errors)
    if not rows:
        raise FileRejected("The file has a header but no rows.", [])
    return rows
