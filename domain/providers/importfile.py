"""Reading an NPPES-style directory CSV into checked, normalised rows, or every problem found.

Pure: no database. The file machinery (size, encoding, NUL bytes, header, ragged lines) is the
referral history import's, in domain/relationships/csvfile.py.
"""

import hashlib
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

from domain.providers.enums import ContactMethod, OrganizationKind, ProviderKind, StaffRole
from domain.providers.schemas import npi_check_digit_ok
from domain.reference import nucc
from domain.relationships.csvfile import Cells, FileRejected, RowError, open_table, reject_if_any, table_rows
from domain.shared import phones

MAX_BYTES = 64 * 1024 * 1024
TAXONOMY_SLOTS = 4
# Providers of one practice share its address, phone and e-mail: each distinct value is parsed once.
CACHED_VALUES = 65536

REQUIRED = ("npi", "entity_type", "last_name", "first_name")
OPTIONAL = (
    "prefix",
    "suffix",
    "credential",
    "organization_name",
    *(f"taxonomy_code_{n}" for n in range(1, TAXONOMY_SLOTS + 1)),
    *(f"taxonomy_primary_{n}" for n in range(1, TAXONOMY_SLOTS + 1)),
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "postal_code",
    "phone",
    "fax",
    "email",
    "preferred_contact",
    "office_staff_name",
    "office_staff_role",
    "office_staff_phone",
    "office_staff_email",
    "liaison_owner",
    "internal_external",
)
COLUMNS = REQUIRED + OPTIONAL
ADDRESS_COLUMNS = ("address_line_1", "address_line_2", "city", "state", "postal_code")
_INDIVIDUAL = {"1", "individual"}
_ORGANIZATION = {"2", "organization"}
# Cells that describe a person: an organization row (entity type 2) leaves them empty.
INDIVIDUAL_ONLY = (
    "prefix",
    "suffix",
    "credential",
    "office_staff_name",
    "office_staff_role",
    "office_staff_phone",
    "office_staff_email",
    "liaison_owner",
)
# A plain ASCII address (dot-atom local part, letters-only top-level domain): valid as it stands, and
# email-validator would only lower-case its domain. Anything else goes through email-validator.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+(?P<tld>[A-Za-z]{{1,63}}))")
_TAXONOMY = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_ZIP = re.compile(r"^[0-9]{5}(-?[0-9]{4})?$")


@dataclass
class Staff:
    name: str
    role: str
    phone: str | None
    email: str | None


@dataclass
class DirectoryRow:
    """One provider as the file states it. None means "not given": the stored value stays."""

    line: int
    npi: str
    values: dict[str, Any] = field(
        default_factory=dict[str, Any]
    )  # provider columns: given_name, specialties, address...
    contact_points: dict[str, str] = field(default_factory=dict)  # system -> normalised value
    organization_name: str | None = None
    staff: Staff | None = None
    liaison_email: str | None = None
    notes: list[RowError] = field(default_factory=list)  # kept, but worth a look (unknown taxonomy)
    merged_lines: list[int] = field(default_factory=list)
    mark: str = ""  # hash of the NPI's lines as written in the file: the same again is unchanged


@dataclass
class OrganizationRow:
    """One organization (NPPES entity type 2) as the file states it. None means "not given"."""

    line: int
    npi: str
    name: str
    kind: str | None  # from the taxonomy; None keeps the stored kind (a new one is a practice)
    address: dict[str, Any] | None = None
    contact_points: dict[str, str] = field(default_factory=dict)
    preferred_contact_method: str | None = None
    internal: bool | None = None
    notes: list[RowError] = field(default_factory=list)
    merged_lines: list[int] = field(default_factory=list)


@dataclass
class DirectoryFile:
    providers: list[DirectoryRow]
    organizations: list[OrganizationRow]


@lru_cache(maxsize=CACHED_VALUES)
def normalise_address(line1: str, line2: str, city: str, state: str, postal_code: str) -> dict[str, Any]:
    """USPS Pub. 28 parts (`123 N MAIN ST`, `STE 4`), ZIP+4 kept. ValueError when it cannot be read."""
    try:
        parts = normalize_address_record(
            {
                "address_line_1": line1,
                "address_line_2": line2 or None,
                "city": city,
                "state": state,
                "postal_code": postal_code,
            }
        )
    except (AddressNormalizationError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(str(exc).split("\n")[0] or "cannot be read as a US address") from None
    lines = [parts[k] for k in ("address_line_1", "address_line_2") if parts.get(k)]
    return {
        "line": lines,
        "city": parts.get("city"),
        "state": parts.get("state"),
        "postal_code": parts.get("postal_code"),
        "country": "US",
    }


class ProviderCells(Cells):
    """A line's cells, with the notes kept beside its problems (kept values worth a look)."""

    def __init__(self, line: int, cells: dict[str, str], errors: list[RowError]) -> None:
        super().__init__(line, cells, errors)
        self.notes: list[RowError] = []


def _address(row: Cells) -> dict[str, Any] | None:
    cells = {c: row.text(c, limit=200) or "" for c in ADDRESS_COLUMNS}
    if not any(cells.values()):
        return None
    missing = [c for c in ("address_line_1", "city", "state", "postal_code") if not cells[c]]
    if missing:
        row.fail(missing[0], "is empty; an address needs its first line, city, state and ZIP code")
        return None
    if not _ZIP.match(cells["postal_code"]):
        row.fail("postal_code", f"{cells['postal_code']!r} is not a ZIP code (12345 or 12345-6789)")
        return None
    try:
        return normalise_address(*(cells[c] for c in ADDRESS_COLUMNS))
    except ValueError as exc:
        row.fail("address_line_1", f"cannot be read as a US address: {exc}")
        return None


# A ten-digit US number as usually written, "(217) 555-0142", "217.555.0142": libphonenumber would read it as
# +1 and the ten digits. Anything else (a +, a leading 1, an extension, another country) goes to it.
_PLAIN_US_PHONE = re.compile(r"\(?([2-9][0-9]{2})\)?[ .-]?([0-9]{3})[ .-]?([0-9]{4})")


@lru_cache(maxsize=CACHED_VALUES)
def _e164(value: str) -> str | None:
    plain = _PLAIN_US_PHONE.fullmatch(value)
    if plain is not None:
        return "+1" + "".join(plain.groups())
    try:
        return phones.normalise(value)
    except phones.NotAPhoneNumber:
        return None


@lru_cache(maxsize=CACHED_VALUES)
def _email_address(value: str) -> tuple[str | None, str]:
    """(normalised address, "") or (None, why not): syntax only; deliverability comes from bounces."""
    plain = _PLAIN_EMAIL.fullmatch(value) if len(value) <= 254 else None
    if (
        plain is not None
        and len(plain["local"]) <= 64
        and "--" not in plain["domain"]  # xn-- (IDNA) labels are checked by email-validator
        and plain["tld"].lower() not in SPECIAL_USE_DOMAIN_NAMES
    ):
        return f"{plain['local']}@{plain['domain'].lower()}", ""
    try:
        return validate_email(value, check_deliverability=False).normalized, ""
    except EmailNotValidError as exc:
        return None, str(exc)


def _phone(row: Cells, column: str) -> str | None:
    value = row.text(column, limit=40)
    if value is None:
        return None
    number = _e164(value)
    if number is None:
        row.fail(column, f"{value!r} is not a phone number")
    return number


def _email(row: Cells, column: str) -> str | None:
    value = row.text(column, limit=254)
    if value is None:
        return None
    address, problem = _email_address(value)
    if address is None:
        row.fail(column, f"{value!r} is not an e-mail address: {problem}")
    return address


def _specialties(row: ProviderCells, line: int) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = []
    for n in range(1, TAXONOMY_SLOTS + 1):
        code = (row.text(f"taxonomy_code_{n}", limit=10) or "").upper()
        flag = (row.text(f"taxonomy_primary_{n}", limit=5) or "").upper()
        if not code:
            if flag:
                row.fail(f"taxonomy_primary_{n}", f"is set but taxonomy_code_{n} is empty")
            continue
        if not _TAXONOMY.match(code):
            row.fail(f"taxonomy_code_{n}", f"{code!r} is not a taxonomy code (10 characters ending in X)")
            continue
        if flag not in ("", "Y", "N"):
            row.fail(f"taxonomy_primary_{n}", f"{flag!r} is not Y or N")
        known = nucc.lookup(code)
        if known is None:
            row.notes.append(
                RowError(
                    line,
                    f"taxonomy_code_{n}",
                    f"{code} is not in the NUCC code set; kept, and listed on the hygiene report",
                )
            )
        found.append({"code": code, "display": known.display_name if known else code, "primary": flag == "Y"})
    if not found:
        return None
    primaries = sum(s["primary"] for s in found)
    if primaries > 1:
        row.fail("taxonomy_primary_1", "more than one taxonomy is marked primary (Y)")
    elif primaries == 0:
        found[0]["primary"] = True  # NPPES requires one; the first listed is the usual reading
    return found


def _choice(row: Cells, column: str, allowed: set[str]) -> str | None:
    return row.choice(column, allowed, None)


def _check(row: ProviderCells) -> DirectoryRow | OrganizationRow | None:
    before = len(row.errors)
    npi = row.required("npi", limit=10)
    if npi and not (npi.isdigit() and len(npi) == 10):
        row.fail("npi", f"{npi!r} is not an NPI (10 digits)")
    elif npi and not npi_check_digit_ok(npi):
        row.fail("npi", f"{npi} has a wrong check digit (Luhn with prefix 80840): a typing error?")
    entity = (row.required("entity_type", limit=20) or "").lower()
    if entity in _ORGANIZATION:
        return _check_organization(row, npi, before)
    if entity and entity not in _INDIVIDUAL:
        row.fail("entity_type", f"{entity!r} is not 1 (individual) or 2 (organization)")
    values: dict[str, Any] = {
        "given_name": row.required("first_name", limit=100),
        "family_name": row.required("last_name", limit=100),
        "prefix": row.text("prefix", limit=20),
        "suffix": row.text("suffix", limit=20),
    }
    credential = row.text("credential", limit=100)
    if credential:
        values["credentials"] = [
            c.replace(".", "").strip().upper()[:20] for c in re.split(r"[,;/]", credential) if c.strip()
        ]
    values["specialties"] = _specialties(row, row.line)
    values["address"] = _address(row)
    values["preferred_contact_method"] = _choice(row, "preferred_contact", {m.value for m in ContactMethod})
    values["kind"] = _choice(row, "internal_external", {k.value for k in ProviderKind})
    points = {"phone": _phone(row, "phone"), "fax": _phone(row, "fax"), "email": _email(row, "email")}
    staff = None
    staff_name = row.text("office_staff_name")
    staff_cells = ("office_staff_role", "office_staff_phone", "office_staff_email")
    if staff_name:
        staff = Staff(
            staff_name,
            _choice(row, "office_staff_role", {r.value for r in StaffRole}) or "other",
            _phone(row, "office_staff_phone"),
            _email(row, "office_staff_email"),
        )
    elif any(row.text(c) for c in staff_cells):
        row.fail("office_staff_name", "is empty but other office_staff_ columns are given")
    liaison = row.text("liaison_owner", limit=254)
    if len(row.errors) > before:
        return None
    return DirectoryRow(
        line=row.line,
        npi=npi,
        values={k: v for k, v in values.items() if v is not None},
        contact_points={k: v for k, v in points.items() if v},
        organization_name=row.text("organization_name", limit=300),
        staff=staff,
        liaison_email=liaison.lower() if liaison else None,
        notes=row.notes,
    )


def organization_kind(specialties: list[dict[str, Any]] | None) -> str | None:
    """What the primary taxonomy says the organization is: a hospital, a practice (a group, a clinic, or a
    physician taxonomy), or other (a pharmacy, a laboratory, a supplier...)."""
    if not specialties:
        return None
    primary = next((s for s in specialties if s["primary"]), specialties[0])
    known = nucc.lookup(primary["code"])
    if known is None:
        return OrganizationKind.practice.value
    if known.grouping in ("Hospitals", "Hospital Units"):
        return OrganizationKind.hospital.value
    if known.grouping in ("Group", "Ambulatory Health Care Facilities") or known.section == "Individual":
        return OrganizationKind.practice.value
    return OrganizationKind.other.value


def _check_organization(row: ProviderCells, npi: str, before: int) -> OrganizationRow | None:
    name = row.text("organization_name", limit=300)
    if not (row.cells.get("organization_name") or "").strip():
        row.fail("organization_name", "is empty; an organization row (entity type 2) needs the organization's name")
    for column in INDIVIDUAL_ONLY:
        if row.text(column):
            row.fail(column, "is for individual rows (entity type 1); leave it empty on an organization row")
    specialties = _specialties(row, row.line)
    # An organization keeps no specialty list (its taxonomy sets its kind), so nothing reaches the hygiene list.
    row.notes = [
        RowError(
            n.row,
            n.column,
            n.problem.replace("kept, and listed on the hygiene report", "kept; its kind does not come from this code"),
        )
        for n in row.notes
    ]
    address = _address(row)
    preferred = _choice(row, "preferred_contact", {m.value for m in ContactMethod})
    kind = _choice(row, "internal_external", {k.value for k in ProviderKind})
    points = {"phone": _phone(row, "phone"), "fax": _phone(row, "fax"), "email": _email(row, "email")}
    if len(row.errors) > before or name is None:
        return None
    return OrganizationRow(
        line=row.line,
        npi=npi,
        name=name,
        kind=organization_kind(specialties),
        address=address,
        contact_points={k: v for k, v in points.items() if v},
        preferred_contact_method=preferred,
        internal=None if kind is None else kind == ProviderKind.internal.value,
        notes=row.notes,
    )


def _merge_organization(into: OrganizationRow, later: OrganizationRow) -> None:
    into.name = later.name
    into.kind = later.kind or into.kind
    into.address = later.address or into.address
    into.contact_points.update(later.contact_points)
    into.preferred_contact_method = later.preferred_contact_method or into.preferred_contact_method
    into.internal = into.internal if later.internal is None else later.internal
    into.notes += later.notes
    into.merged_lines.append(later.line)


def _trusted(line: int, cells: dict[str, str]) -> DirectoryRow:
    """A line imported before exactly as it is (its NPI's mark is stored): it will be reported unchanged and
    not written, so only what the report and the liaison check need is read; nothing is normalised."""
    notes = [
        RowError(
            line, f"taxonomy_code_{n}", f"{code} is not in the NUCC code set; kept, and listed on the hygiene report"
        )
        for n in range(1, TAXONOMY_SLOTS + 1)
        if (code := (cells.get(f"taxonomy_code_{n}") or "").strip().upper()) and nucc.lookup(code) is None
    ]
    liaison = (cells.get("liaison_owner") or "").strip().lower()
    return DirectoryRow(line=line, npi=(cells.get("npi") or "").strip(), liaison_email=liaison or None, notes=notes)


def _merge(into: DirectoryRow, later: DirectoryRow) -> None:
    """Two rows for one NPI are one provider: the later row's given values win."""
    into.values.update(later.values)
    into.contact_points.update(later.contact_points)
    into.organization_name = later.organization_name or into.organization_name
    into.staff = later.staff or into.staff
    into.liaison_email = later.liaison_email or into.liaison_email
    into.notes += later.notes
    into.merged_lines.append(later.line)


@dataclass
class RawFile:
    """The file's well-formed lines, before any check, and what each NPI's lines say, as a hash."""

    lines: list[tuple[int, dict[str, str]]]
    errors: list[RowError]
    marks: dict[str, str]  # NPI cell -> hash of the cells of its lines, in order


def parse(data: bytes) -> RawFile:
    """Header, encoding and line shape only: cheap, so the stored marks can be read before the costly checks."""
    reader = open_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES)
    errors: list[RowError] = []
    lines = list(table_rows(reader, errors))
    digests: dict[str, list[str]] = {}
    for _, cells in lines:
        stated = "\x1f".join(cells.get(c) or "" for c in COLUMNS)
        digests.setdefault((cells.get("npi") or "").strip(), []).append(hashlib.sha256(stated.encode()).hexdigest())
    marks = {npi: hashlib.sha256("".join(d).encode()).hexdigest() for npi, d in digests.items()}
    return RawFile(lines, errors, marks)


def check(raw: RawFile, *, liaisons: Mapping[str, object], trusted: Set[str] = frozenset()) -> DirectoryFile:
    """One row per NPI (providers and organizations apart), every row checked; FileRejected with every
    problem otherwise.

    `liaisons` maps the e-mail of each active liaison or admin to their id, for the liaison_owner column.
    `trusted` NPIs are stored with the same mark: their lines were imported as they are and are not checked
    or normalised again (the costly part)."""
    errors = list(raw.errors)
    by_npi: dict[str, DirectoryRow] = {}
    organizations: dict[str, OrganizationRow] = {}
    for line, cells in raw.lines:
        npi = (cells.get("npi") or "").strip()
        checked = _trusted(line, cells) if npi in trusted else _check(ProviderCells(line, cells, errors))
        if checked is None:
            continue
        other: DirectoryRow | OrganizationRow | None = (
            by_npi.get(checked.npi) if isinstance(checked, OrganizationRow) else organizations.get(checked.npi)
        )
        if other is not None:
            errors.append(
                RowError(
                    checked.line, "entity_type", f"NPI {checked.npi} is on row {other.line} as the other entity type"
                )
            )
            continue
        if isinstance(checked, OrganizationRow):
            if checked.npi in organizations:
                _merge_organization(organizations[checked.npi], checked)
            else:
                organizations[checked.npi] = checked
            continue
        if checked.liaison_email and checked.liaison_email not in liaisons:
            errors.append(
                RowError(
                    checked.line,
                    "liaison_owner",
                    f"{checked.liaison_email} is not an active liaison's or admin's e-mail",
                )
            )
            continue
        checked.mark = raw.marks[checked.npi]
        if checked.npi in by_npi:
            _merge(by_npi[checked.npi], checked)
        else:
            by_npi[checked.npi] = checked
    errors.sort(key=lambda e: e.row)
    reject_if_any(errors, "imported")
    if not by_npi and not organizations:
        raise FileRejected("The file has a header but no rows.", [])
    return DirectoryFile(list(by_npi.values()), list(organizations.values()))


def read(data: bytes, *, liaisons: Mapping[str, object]) -> DirectoryFile:
    return check(parse(data), liaisons=liaisons)
