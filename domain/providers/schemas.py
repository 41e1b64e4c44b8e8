"""API shapes of the physician directory: organizations, providers, affiliations, office staff."""

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    EmailStr,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from domain.providers.enums import (
    AffiliationRole,
    ContactMethod,
    ContactPointSystem,
    ContactPointUse,
    OrganizationKind,
    ProviderKind,
    ProviderStatus,
    StaffRole,
)
from domain.shared import phones
from domain.shared.phones import PhoneNumber
from domain.shared.schemas import Schema, UtcDateTime


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text or jsonb: refuse it here, naming the field, not as a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
Text20 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), NoNul]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul]
Notes = Annotated[str, StringConstraints(max_length=4000), NoNul]
SearchText = Annotated[str, NoNul]
NuccCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[0-9]{3}[0-9A-Z]{6}X$")]
Phone = Annotated[PhoneNumber, NoNul]


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn over the NPI with the 80840 card-issuer prefix, as CMS defines it."""
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _valid_npi(value: str | None) -> str | None:
    if value is not None and not npi_check_digit_ok(value):
        raise ValueError("the NPI check digit is wrong (Luhn with prefix 80840)")
    return value


Npi = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$"),
    Field(description="National Provider Identifier: 10 digits, the last a Luhn check digit (prefix 80840)."),
]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def optional(description: str | None = None) -> Any:
    """A PATCH field that may be left out but not sent as null (its column is required)."""
    return Field(default=None, json_schema_extra=_no_default, description=description)


def digits(value: str) -> str:
    """Phone-ish values compared by their last 10 digits, so `+1 (555) 010-2000` equals `555.010.2000`."""
    return re.sub(r"\D", "", phones.index_key(value) or value)[-10:]


class ContactPoint(Schema):
    """FHIR ContactPoint, the parts a referral office uses."""

    system: ContactPointSystem
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254), NoNul]
    use: ContactPointUse | None = None

    @model_validator(mode="after")
    def _plausible(self) -> "ContactPoint":
        if self.system in (ContactPointSystem.phone, ContactPointSystem.fax, ContactPointSystem.sms):
            try:
                self.value = phones.normalise(self.value)
            except phones.NotAPhoneNumber:
                raise ValueError(f"'{self.value}' is not a {self.system.value} number") from None
        elif self.system is ContactPointSystem.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.value):
            raise ValueError("not an email address")
        return self


ContactPoints = Annotated[list[ContactPoint], Field(max_length=20)]


class StoredContactPoint(Schema):
    """A contact point as read back: shown as stored, not checked again (older rows predate the phone rules)."""

    system: ContactPointSystem
    value: str
    use: ContactPointUse | None = None
    bad: bool | None = Field(
        default=None, description="True when a message to it bounced or was refused; absent on a good one."
    )
    bad_reason: str | None = None

    # No return annotation: pydantic would take it as the serialised schema in place of the fields above.
    @model_serializer(mode="wrap")
    def _flags_only_when_bad(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data: dict[str, Any] = handler(self)
        if not self.bad:
            data.pop("bad", None)
            data.pop("bad_reason", None)
        return data


class Address(Schema):
    line: list[Text200] = Field(default_factory=list, max_length=4)
    city: Text100 | None = None
    state: Text100 | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), NoNul] | None = None
    country: Text100 | None = None


class StoredAddress(Schema):
    line: list[str] = Field(default_factory=list)
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


# --- organizations ---------------------------------------------------------------------------


class OrganizationUpdate(Schema):
    name: Text300 = optional()
    npi: Npi | None = None
    kind: OrganizationKind = optional()
    internal: bool = optional()
    active: bool = optional()
    parent_id: uuid.UUID | None = Field(default=None, description="The organization this one belongs to.")
    contact_points: ContactPoints = optional()
    address: Address | None = None
    preferred_contact_method: ContactMethod | None = Field(
        default=None, description="How the practice likes to hear from us (its monthly report): sms, else email."
    )

    _npi = field_validator("npi")(_valid_npi)


class OrganizationCreate(OrganizationUpdate):
    name: Text300
    kind: OrganizationKind
    internal: bool = Field(default=False, description="One of our own sites or practices.")
    active: bool = True
    contact_points: ContactPoints = Field(default_factory=list)


class Organization(Schema):
    id: uuid.UUID
    version: int
    name: str
    npi: str | None
    kind: OrganizationKind
    internal: bool
    active: bool
    parent_id: uuid.UUID | None
    contact_points: list[StoredContactPoint]
    address: Address | None
    preferred_contact_method: ContactMethod | None
    monthly_report_opt_out: bool = Field(description="The practice asked not to receive the monthly report.")
    created_at: UtcDateTime
    updated_at: UtcDateTime


# --- providers -------------------------------------------------------------------------------


class Specialty(Schema):
    code: NuccCode = Field(description="NUCC health care provider taxonomy code, e.g. 207RC0000X.")
    display: Text200
    primary: bool = False


def _specialties_consistent(value: list[Specialty] | None) -> list[Specialty] | None:
    if value is None:
        return None
    if sum(1 for s in value if s.primary) > 1:
        raise ValueError("at most one specialty can be primary")
    codes = [s.code for s in value]
    if len(codes) != len(set(codes)):
        raise ValueError("a specialty code is listed twice")
    return value


class AffiliationIn(Schema):
    organization_id: uuid.UUID
    role: AffiliationRole = Field(
        default=AffiliationRole.member, description="`hospital_privileges` for a hospital the provider admits to."
    )


def _affiliations_distinct(value: list[AffiliationIn] | None) -> list[AffiliationIn] | None:
    if value is not None and len({(a.organization_id, a.role) for a in value}) != len(value):
        raise ValueError("the same organization and role are listed twice")
    return value


class Affiliation(Schema):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    role: AffiliationRole


class StaffContactUpdate(Schema):
    name: Text200 = optional()
    role: StaffRole = optional()
    phone: Phone | None = None
    email: EmailStr | None = None
    notes: Notes | None = None


class StaffContactCreate(StaffContactUpdate):
    name: Text200
    role: StaffRole


class StaffContact(Schema):
    id: uuid.UUID
    version: int = Field(description="Send as `If-Match` to edit this contact.")
    provider_id: uuid.UUID
    name: str
    role: StaffRole
    phone: str | None
    email: str | None
    notes: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ProviderUpdate(Schema):
    """Send only what changes. `affiliations`, when sent, replaces the whole list."""

    npi: Npi | None = None
    prefix: Text20 | None = None
    given_name: Text100 = optional()
    family_name: Text100 = optional()
    suffix: Text20 | None = None
    credentials: Annotated[list[Text20], Field(max_length=10)] = optional()
    specialties: Annotated[list[Specialty], Field(max_length=20)] = optional()
    kind: ProviderKind = optional()
    status: ProviderStatus = optional("active or inactive; `merged` is set only by the merge operation.")
    preferred_contact_method: ContactMethod | None = None
    contact_points: ContactPoints = optional()
    affiliations: Annotated[list[AffiliationIn], Field(max_length=50)] = optional()
    notes: Notes | None = None

    _npi = field_validator("npi")(_valid_npi)
    _specialties = field_validator("specialties")(_specialties_consistent)
    _affiliations = field_validator("affiliations")(_affiliations_distinct)

    @field_validator("status")
    @classmethod
    def _not_merged(cls, value: ProviderStatus | None) -> ProviderStatus | None:
        if value is ProviderStatus.merged:
            raise ValueError("use POST /v1/providers/{id}/merge to merge a provider")
        return value


class ProviderCreate(ProviderUpdate):
    given_name: Text100
    family_name: Text100
    credentials: Annotated[list[Text20], Field(max_length=10)] = Field(default_factory=list, examples=[["MD"]])
    specialties: Annotated[list[Specialty], Field(max_length=20)] = Field(default_factory=list)
    kind: ProviderKind = ProviderKind.external
    status: ProviderStatus = ProviderStatus.active
    contact_points: ContactPoints = Field(default_factory=list)
    affiliations: Annotated[list[AffiliationIn], Field(max_length=50)] = Field(default_factory=list)
    staff: Annotated[list[StaffContactCreate], Field(max_length=50)] = Field(
        default_factory=list, description="Office staff to create with the provider; later edits go through /staff."
    )


class Provider(Schema):
    id: uuid.UUID
    version: int
    npi: str | None
    prefix: str | None
    given_name: str
    family_name: str
    suffix: str | None
    credentials: list[str]
    specialties: list[Specialty]
    kind: ProviderKind
    status: ProviderStatus
    merged_into_id: uuid.UUID | None = Field(description="Set when this record was merged into another.")
    preferred_contact_method: ContactMethod | None
    contact_points: list[StoredContactPoint]
    address: StoredAddress | None = None
    verified_at: UtcDateTime | None = Field(default=None, description="Last confirmed: the verify action or an import.")
    affiliations: list[Affiliation]
    staff: list[StaffContact]
    notes: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class MergeRequest(Schema):
    into_id: uuid.UUID = Field(description="The provider that survives and receives this one's links.")


SCORE_DESCRIPTION = "0-1; higher is more likely the same person. Pairs from 0.8 up are proposed for review."
REASONS_DESCRIPTION = 'What matched and what differs, in words: "same phone", "names 0.93 similar", "same ZIP".'


class DuplicateCandidate(Schema):
    provider: Provider
    score: float = Field(ge=0, le=1, description=SCORE_DESCRIPTION)
    reasons: list[str] = Field(description=REASONS_DESCRIPTION)


class DuplicatePair(Schema):
    score: float = Field(ge=0, le=1, description=SCORE_DESCRIPTION)
    reasons: list[str] = Field(description=REASONS_DESCRIPTION)
    first: Provider
    second: Provider


class DuplicateQueueRefresh(Schema):
    """A run of the duplicate queue's refresh: the queue lists the pairs as of `finished_at`."""

    full: bool = Field(description="Every pair scored again; otherwise only those of providers changed since.")
    started_at: UtcDateTime
    finished_at: UtcDateTime
    rescored: int = Field(description="Providers whose pairs were scored again.")
    pairs: int = Field(description="Pairs stored for them.")


class DismissDuplicate(Schema):
    provider_ids: Annotated[list[uuid.UUID], Field(min_length=2, max_length=2)] = Field(
        description="The two providers that are not the same person."
    )


MergeField = Literal[
    "npi",
    "prefix",
    "given_name",
    "family_name",
    "suffix",
    "kind",
    "preferred_contact_method",
    "notes",
    "credentials",
    "specialties",
    "contact_points",
]
MergeChoice = Literal["survivor", "merged", "both"]


class DirectoryMergeRequest(Schema):
    survivor_id: uuid.UUID = Field(description="The record that stays.")
    merged_id: uuid.UUID = Field(description="The duplicate folded into the survivor.")
    keep: dict[MergeField, MergeChoice] = Field(
        default_factory=dict,
        description="Per field, whose value the survivor keeps. Unnamed fields keep the survivor's value (or the "
        "merged record's where the survivor has none); lists default to `both` (the union).",
    )


# --- directory import and hygiene -----------------------------------------------------------------


class ImportReportRow(Schema):
    row: int = Field(description="Line in the file, the header being line 1.")
    npi: str | None = None
    column: str | None = None
    problem: str | None = None
    action: str = Field(description="created, updated, unchanged, merged; rejected when the file was refused.")
    entity_type: str | None = Field(
        default=None, description="individual (a provider, entity type 1) or organization (entity type 2)."
    )


class ProviderImportJob(Schema):
    id: uuid.UUID
    filename: str | None
    imported_by: str
    status: str = Field(description="running, succeeded, rejected or failed.")
    detail: str | None
    rows: int
    counts: dict[str, int]
    created_at: UtcDateTime
    finished_at: UtcDateTime | None


class ProviderImportDetail(ProviderImportJob):
    report: list[ImportReportRow] = Field(description="Row by row (up to `limit` rows from `offset`).")
    report_total: int


class HygieneFix(Schema):
    action: str = Field(description="verify (one click) or edit (open the provider and change it).")
    label: str
    href: str = Field(description="Where in the web app to fix it.")
    api: str = Field(description="The API call that fixes it.")


class HygieneItem(Schema):
    kind: str
    provider_id: uuid.UUID
    provider_name: str
    npi: str | None
    problem: str
    fix: HygieneFix


class HygieneReport(Schema):
    counts: dict[str, int]
    total: int
    items: list[HygieneItem]


class ProviderMerge(Schema):
    id: uuid.UUID
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    survivor_name: str
    merged_name: str
    merged_at: UtcDateTime
    merged_by: str
    undo_until: UtcDateTime = Field(description="Until when the merge can be undone (30 days).")
    undone_at: UtcDateTime | None
    undone_by: str | None
    moved: dict[str, int] = Field(description="How many rows of each kind followed the survivor.")
