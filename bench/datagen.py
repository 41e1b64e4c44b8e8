"""Realistic referral rows for the 1M-row benchmark database, sealed exactly as the app stores them.

Pure generation, no database: `bench/load_referrals.py` COPYs what this yields. Batch `i`
is deterministic for a seed (apart from encryption nonces), so an interrupted load
resumes with the same rows.
"""

import json
import os
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from domain.referrals.indexes import phone_index, surname_dob_index, surname_index
from domain.shared.crypto import blind_index, keyring

SOURCE_SYSTEM = "bench-load"  # marks the loaded rows; the HTTP benchmark's own rows use other names
SPAN_DAYS = 730

# service line -> (weight, NUCC code, display, typical ICD-10 codes, reasons)
SERVICE_LINES: dict[str, tuple[int, str, str, list[str], list[str]]] = {
    "orthopedics": (
        16,
        "207X00000X",
        "Orthopaedic Surgery",
        ["M17.11", "M25.561", "M54.5", "S83.241A", "M75.101"],
        ["Knee pain, failed conservative care", "Chronic low back pain with radiculopathy", "Rotator cuff tear on MRI"],
    ),
    "cardiology": (
        14,
        "207RC0000X",
        "Cardiovascular Disease",
        ["I10", "I48.91", "R07.9", "I25.10", "R00.2"],
        ["Exertional chest pain, abnormal stress ECG", "New atrial fibrillation", "Palpitations, Holter requested"],
    ),
    "gastroenterology": (
        10,
        "207RG0100X",
        "Gastroenterology",
        ["K21.9", "K58.9", "Z12.11", "K92.1", "R10.9"],
        ["Screening colonoscopy", "Refractory reflux", "Iron deficiency anaemia, GI work-up"],
    ),
    "neurology": (
        8,
        "2084N0400X",
        "Neurology",
        ["G43.909", "G40.909", "R51.9", "G35", "R20.2"],
        ["Migraine not controlled on two agents", "First seizure", "Numbness of both feet"],
    ),
    "dermatology": (
        8,
        "207N00000X",
        "Dermatology",
        ["L40.0", "D48.5", "L70.0", "L20.9"],
        ["Changing pigmented lesion", "Psoriasis, biologic evaluation", "Severe acne"],
    ),
    "oncology": (
        6,
        "207RX0202X",
        "Medical Oncology",
        ["C50.911", "C34.90", "D64.9", "C61"],
        ["New breast cancer diagnosis", "Lung mass on CT", "Rising PSA"],
    ),
    "pulmonology": (
        6,
        "207RP1001X",
        "Pulmonary Disease",
        ["J44.9", "J45.909", "R06.02", "G47.33"],
        ["COPD exacerbations", "Suspected sleep apnoea", "Chronic cough"],
    ),
    "urology": (
        6,
        "208800000X",
        "Urology",
        ["N40.1", "N20.0", "R31.9", "N39.0"],
        ["BPH with retention", "Kidney stone", "Haematuria"],
    ),
    "endocrinology": (
        5,
        "207RE0101X",
        "Endocrinology, Diabetes & Metabolism",
        ["E11.9", "E05.90", "E03.9", "E21.3"],
        ["Uncontrolled type 2 diabetes", "Hyperthyroidism", "Thyroid nodule"],
    ),
    "ophthalmology": (
        5,
        "207W00000X",
        "Ophthalmology",
        ["H25.9", "H40.9", "E11.319"],
        ["Cataract evaluation", "Glaucoma suspect", "Diabetic eye exam"],
    ),
    "otolaryngology": (
        5,
        "207Y00000X",
        "Otolaryngology",
        ["J32.9", "H91.90", "J35.01"],
        ["Chronic sinusitis", "Hearing loss", "Recurrent tonsillitis"],
    ),
    "physical therapy": (
        5,
        "225100000X",
        "Physical Therapist",
        ["M54.2", "M25.511", "Z47.1"],
        ["Post-op knee rehabilitation", "Neck pain", "Shoulder pain"],
    ),
    "rheumatology": (
        3,
        "207RR0500X",
        "Rheumatology",
        ["M06.9", "M32.9", "M10.9"],
        ["Inflammatory arthritis", "Positive ANA", "Recurrent gout"],
    ),
    "behavioral health": (
        3,
        "2084P0800X",
        "Psychiatry",
        ["F32.9", "F41.1", "F90.9"],
        ["Depression not responding to SSRI", "Generalised anxiety", "Adult ADHD assessment"],
    ),
}
LINES = list(SERVICE_LINES)
LINE_WEIGHTS = [SERVICE_LINES[line][0] for line in LINES]
LINE_CUM = list(accumulate(LINE_WEIGHTS))

GIVEN = [
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Elizabeth",
    "David",
    "Barbara",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Charles",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Donald",
    "Emily",
    "Steven",
    "Donna",
    "Andrew",
    "Michelle",
    "Kenneth",
    "Carol",
    "Joshua",
    "Amanda",
    "Kevin",
    "Wei",
    "Aisha",
    "Mohammed",
    "Priya",
    "Carlos",
    "Sofia",
    "Nguyen",
    "Fatima",
    "Jose",
    "Ana",
]
FAMILY = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Patel",
    "Kim",
    "Chen",
    "Okafor",
    "Cohen",
]
CITIES = [
    ("Springfield", "IL", "627"),
    ("Peoria", "IL", "616"),
    ("Champaign", "IL", "618"),
    ("Bloomington", "IL", "617"),
    ("Decatur", "IL", "625"),
    ("Urbana", "IL", "618"),
]
STREETS = ["Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine"]
LOCATIONS = ["Main Campus", "North Clinic", "Westside Medical Office", "Downtown Specialty Center", None, None]
CHANNELS = (["fhir", "partner_api", "staff", "fax", "phone", "email"], [35, 15, 20, 20, 7, 3])
URGENCY = (["routine", "urgent", "asap", "stat"], [78, 15, 5, 2])
PAYERS: dict[str, tuple[int, list[str | None]]] = {
    "commercial": (48, ["Blue Cross Blue Shield", "Aetna", "UnitedHealthcare", "Cigna", "Humana"]),
    "medicare": (28, ["Medicare", "Medicare Advantage (Humana)", "Medicare Advantage (UHC)"]),
    "medicaid": (15, ["Illinois Medicaid", "Meridian Medicaid"]),
    "tricare": (2, ["TRICARE"]),
    "workers_comp": (2, ["Workers' Compensation"]),
    "self_pay": (3, [None]),
    "other": (2, ["Other"]),
}
PAYER_CLASSES = list(PAYERS)
PAYER_WEIGHTS = [PAYERS[c][0] for c in PAYER_CLASSES]
NON_PHYSICIAN_SOURCES = (
    ["self_referral", "emergency_department", "urgent_care", "hospital", "payer", "other"],
    [35, 25, 15, 15, 5, 5],
)
DECLINE_REASONS = ["misdirected", "not_indicated", "out_of_network", "other"]
LEAKAGE_REASONS = (
    ["patient_unreachable", "patient_declined", "no_show", "went_elsewhere", "insurance", "other"],
    [30, 20, 10, 20, 12, 8],
)

STATUSES = ["received", "needs_info", "accepted", "scheduled", "completed", "closed", "declined", "cancelled"]
# Status mix of a referral received a week ago vs four months or more ago; interpolated in between.
YOUNG = [45, 12, 20, 15, 1, 0, 5, 2]
OLD = [1, 2, 3, 4, 6, 46, 12, 22]

COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "source_system",
    "source_identifier",
    "source_channel",
    "referral_source",
    "patient_given_name",
    "patient_family_name",
    "patient_birth_date",
    "patient_sex",
    "patient_phone",
    "patient_email",
    "patient_address",
    "patient_mrn",
    "patient_notes",
    "patient_mrn_index",
    "patient_name_dob_index",
    "patient_surname_index",
    "patient_surname_dob_index",
    "patient_phone_index",
    "referring_provider_id",
    "referring_organization_id",
    "receiving_provider_id",
    "service_line",
    "specialty_code",
    "specialty_display",
    "urgency",
    "reason",
    "icd10_codes",
    "payer_name",
    "payer_class",
    "location_preference",
    "status",
    "status_reason",
    "assignee_id",
    "queue",
    "received_at",
    "first_contact_at",
    "needs_info_at",
    "accepted_at",
    "scheduled_at",
    "completed_at",
    "closed_at",
    "declined_at",
    "cancelled_at",
    "no_show_count",
]


def uuid7_at(moment: datetime) -> uuid.UUID:
    """A version-7 UUID for a past moment, so backfilled ids sort like ones made at the time."""
    millis = int(moment.timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62
    return uuid.UUID(int=value | rand & ((1 << 62) - 1))


def npi_with_check_digit(base9: int) -> str:
    """A Luhn-valid NPI (prefix 80840, as CMS defines it) from a 9-digit base."""
    digits = [int(d) for d in f"{base9:09d}"]
    total = 24  # the 80840 prefix's contribution
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return f"{base9:09d}{(10 - total % 10) % 10}"


def seal(column: str, value: str | None) -> str | None:
    return None if value is None else keyring().seal(value.encode(), f"referrals.{column}")


class Directory:
    """The referrers, receiving clinicians and intake users rows point at (ids fixed by the loader)."""

    def __init__(
        self,
        referrers: list[tuple[uuid.UUID, uuid.UUID]],
        receivers: list[uuid.UUID],
        users: list[uuid.UUID],
        seed: int,
    ) -> None:
        rng = random.Random(seed)
        self.referrers = referrers  # (provider id, organization id)
        # Skewed volume: a handful of referrers send most referrals (Zipf-like).
        self.referrer_index = range(len(referrers))
        self.referrer_cum = list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(referrers))))
        self.favourite_lines = [rng.choices(LINES, LINE_WEIGHTS, k=2) for _ in referrers]
        self.receivers = receivers
        self.users = users


def _received_at(rng: random.Random, index: int, total: int, end: datetime) -> datetime:
    # Volume grows ~40% over the span: invert the CDF of a linearly rising density.
    u = (index + rng.random()) / total
    a = 0.4
    pos = (-1 + (1 + a * (2 + a) * u) ** 0.5) / a
    moment = end - timedelta(days=SPAN_DAYS) + timedelta(days=SPAN_DAYS * pos)
    day = moment.date()
    if day.weekday() >= 5 and rng.random() < 0.85:  # few referrals arrive at weekends
        day += timedelta(days=7 - day.weekday())
    hour = min(max(rng.gauss(12, 2.8), 6), 21)
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
    return min(moment, end)


def _status_for(rng: random.Random, age_days: float) -> str:
    mix = min(max((age_days - 7) / 113, 0.0), 1.0)
    weights = [y + (o - y) * mix for y, o in zip(YOUNG, OLD, strict=False)]
    return rng.choices(STATUSES, weights)[0]


def _after(rng: random.Random, start: datetime, mean_days: float, end: datetime) -> datetime:
    return min(start + timedelta(days=rng.expovariate(1 / mean_days)), end)


def generate_batch(
    batch: int, batch_size: int, total: int, seed: int, end: datetime, directory: Directory
) -> list[tuple]:
    rng = random.Random(seed * 1_000_003 + batch)
    first = batch * batch_size
    count = min(batch_size, total - first)
    moments = sorted(_received_at(rng, first + i, total, end) for i in range(count))
    rows = []
    for offset, received in enumerate(moments):
        index = first + offset
        rows.append(_row(rng, index, received, end, directory))
    return rows


def _row(rng: random.Random, index: int, received: datetime, end: datetime, d: Directory) -> tuple:
    provider_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    if rng.random() < 0.88:
        ref = rng.choices(d.referrer_index, cum_weights=d.referrer_cum)[0]
        provider_id, organization_id = d.referrers[ref]
        referral_source = "physician"
        line = rng.choice(d.favourite_lines[ref]) if rng.random() < 0.7 else rng.choices(LINES, cum_weights=LINE_CUM)[0]
    else:
        provider_id = organization_id = None
        referral_source = rng.choices(*NON_PHYSICIAN_SOURCES)[0]
        line = rng.choices(LINES, cum_weights=LINE_CUM)[0]
    _, code, display, icd_pool, reasons = SERVICE_LINES[line]

    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    age = rng.choice(
        (rng.randint(1, 17), rng.randint(18, 64), rng.randint(18, 64), rng.randint(65, 95), rng.randint(65, 95))
    )
    birth = date(received.year - age, 1, 1) + timedelta(days=rng.randrange(365))
    sex = rng.choices(["female", "male", "other", "unknown"], [52, 46, 1, 1])[0]
    mrn = f"MRN{rng.randrange(10**8):08d}" if rng.random() < 0.9 else None
    phone = f"+1 217 {rng.randrange(200, 999)} {rng.randrange(10000):04d}" if rng.random() < 0.95 else None
    email = f"{given.lower()}.{family.lower()}{rng.randrange(1000)}@example.com" if rng.random() < 0.6 else None
    city, state, zip3 = rng.choice(CITIES)
    address = {
        "line": [f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} St"],
        "city": city,
        "state": state,
        "postal_code": f"{zip3}{rng.randrange(100):02d}",
        "country": "US",
    }
    notes = "Needs interpreter (Spanish)" if rng.random() < 0.05 else None

    status = _status_for(rng, (end - received).total_seconds() / 86400)
    m = _milestones(rng, status, received, end)
    payer_class = rng.choices(PAYER_CLASSES, PAYER_WEIGHTS)[0]
    accepted_or_later = m["accepted_at"] is not None
    assigned = status != "received" and rng.random() < 0.7
    updated = max(v for v in (received, *m.values()) if isinstance(v, datetime))
    status_reason = None
    if status == "declined":
        status_reason = rng.choice(DECLINE_REASONS)
    elif status == "cancelled":
        status_reason = rng.choices(*LEAKAGE_REASONS)[0]
    no_show = 1 if status in ("completed", "closed", "cancelled") and rng.random() < 0.08 else 0
    return (
        uuid7_at(received),
        received,
        updated,
        1 + sum(v is not None for v in m.values()),
        SOURCE_SYSTEM,
        str(index),
        rng.choices(*CHANNELS)[0],
        referral_source,
        seal("patient_given_name", given),
        seal("patient_family_name", family),
        seal("patient_birth_date", birth.isoformat()),
        seal("patient_sex", sex),
        seal("patient_phone", phone),
        seal("patient_email", email),
        seal("patient_address", json.dumps(address, separators=(",", ":"))),
        seal("patient_mrn", mrn),
        seal("patient_notes", notes),
        blind_index(mrn),
        blind_index(family, given, birth.isoformat()),
        surname_index(family),
        surname_dob_index(family, birth),
        phone_index(phone),
        provider_id,
        organization_id,
        rng.choice(d.receivers) if accepted_or_later else None,
        line,
        code,
        display,
        rng.choices(*URGENCY)[0],
        seal("reason", rng.choice(reasons)),
        rng.sample(icd_pool, rng.randint(1, 2)),
        rng.choice(PAYERS[payer_class][1]),
        payer_class,
        rng.choice(LOCATIONS),
        status,
        status_reason,
        rng.choice(d.users) if assigned else None,
        f"{line}-intake",
        received,
        m["first_contact_at"],
        m["needs_info_at"],
        m["accepted_at"],
        m["scheduled_at"],
        m["completed_at"],
        m["closed_at"],
        m["declined_at"],
        m["cancelled_at"],
        no_show,
    )


def _milestones(rng: random.Random, status: str, received: datetime, end: datetime) -> dict[str, datetime | None]:
    m: dict[str, datetime | None] = dict.fromkeys(
        [
            "first_contact_at",
            "needs_info_at",
            "accepted_at",
            "scheduled_at",
            "completed_at",
            "closed_at",
            "declined_at",
            "cancelled_at",
        ]
    )
    at = received
    if status == "needs_info" or (status != "received" and rng.random() < 0.15):
        at = m["needs_info_at"] = _after(rng, at, 1, end)
    if status == "declined":
        m["declined_at"] = _after(rng, at, 2, end)
        return m
    if status in ("received", "needs_info"):
        return m
    if status == "cancelled" and rng.random() < 0.3 and m["needs_info_at"]:
        m["cancelled_at"] = _after(rng, at, 10, end)
        return m
    at = m["accepted_at"] = _after(rng, at, 2, end)
    first_contact = m["first_contact_at"] = _after(rng, at, 1, end)
    if status == "accepted":
        return m
    if status == "cancelled":
        m["cancelled_at"] = _after(rng, at, 12, end)
        return m
    at = m["scheduled_at"] = max(_after(rng, at, 4, end), first_contact)
    if status == "scheduled":
        return m
    at = m["completed_at"] = _after(rng, at, 18, end)
    if status == "closed":
        m["closed_at"] = _after(rng, at, 2, end)
    return m
