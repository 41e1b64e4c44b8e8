"""The lists people choose from: service lines, specialties (NUCC taxonomy), payer classes and payers.

One place for the stored key and the words a person reads, so "Cardiology" on a screen and
`cardiology` in the database never disagree.
"""

from dataclasses import dataclass

from domain.referrals.enums import PayerClass
from domain.shared.errors import InvalidInput


@dataclass(frozen=True)
class Entry:
    key: str
    display: str


@dataclass(frozen=True)
class ServiceLine(Entry):
    specialty_code: str | None = None


# Keys are what referrals store. The FHIR mapper derives the same keys from NUCC and SNOMED codes.
SERVICE_LINES: tuple[ServiceLine, ...] = (
    ServiceLine("cardiology", "Cardiology", "207RC0000X"),
    ServiceLine("dermatology", "Dermatology", "207N00000X"),
    ServiceLine("endocrinology", "Endocrinology", "207RE0101X"),
    ServiceLine("family medicine", "Family medicine", "207Q00000X"),
    ServiceLine("gastroenterology", "Gastroenterology", "207RG0100X"),
    ServiceLine("general practice", "General practice", "208D00000X"),
    ServiceLine("hematology and oncology", "Hematology and oncology", "207RH0003X"),
    ServiceLine("imaging", "Imaging"),
    ServiceLine("internal medicine", "Internal medicine", "207R00000X"),
    ServiceLine("laboratory", "Laboratory"),
    ServiceLine("nephrology", "Nephrology", "207RN0300X"),
    ServiceLine("neurology", "Neurology", "2084N0400X"),
    ServiceLine("obstetrics and gynecology", "Obstetrics and gynecology", "207V00000X"),
    ServiceLine("oncology", "Oncology", "207RX0202X"),
    ServiceLine("ophthalmology", "Ophthalmology", "207W00000X"),
    ServiceLine("orthopedics", "Orthopedics", "207X00000X"),
    ServiceLine("otolaryngology", "Otolaryngology (ENT)", "207Y00000X"),
    ServiceLine("physical medicine", "Physical medicine and rehabilitation", "208100000X"),
    ServiceLine("physical therapy", "Physical therapy", "225100000X"),
    ServiceLine("psychiatry", "Psychiatry", "2084P0800X"),
    ServiceLine("pulmonology", "Pulmonology", "207RP1001X"),
    ServiceLine("rheumatology", "Rheumatology", "207RR0500X"),
    ServiceLine("social services", "Social services"),
    ServiceLine("counseling", "Counseling"),
    ServiceLine("education", "Patient education"),
    ServiceLine("surgery", "Surgery"),
    ServiceLine("urology", "Urology", "208800000X"),
)
SERVICE_LINE_KEYS = frozenset(s.key for s in SERVICE_LINES)

# NUCC health care provider taxonomy: the specialties referrers and our clinicians hold.
SPECIALTIES: tuple[Entry, ...] = tuple(
    sorted(
        (
            Entry(code, display)
            for code, display in (
                ("207RC0000X", "Cardiovascular Disease"),
                ("207RI0011X", "Interventional Cardiology"),
                ("207RC0001X", "Clinical Cardiac Electrophysiology"),
                ("207X00000X", "Orthopaedic Surgery"),
                ("207XS0114X", "Adult Reconstructive Orthopaedic Surgery"),
                ("207XX0005X", "Sports Medicine (Orthopaedic Surgery)"),
                ("207XS0117X", "Orthopaedic Surgery of the Spine"),
                ("207RG0100X", "Gastroenterology"),
                ("207N00000X", "Dermatology"),
                ("207ND0101X", "MOHS-Micrographic Surgery"),
                ("2084N0400X", "Neurology"),
                ("2084V0102X", "Vascular Neurology"),
                ("207RE0101X", "Endocrinology, Diabetes & Metabolism"),
                ("208800000X", "Urology"),
                ("207RP1001X", "Pulmonary Disease"),
                ("207Q00000X", "Family Medicine"),
                ("207R00000X", "Internal Medicine"),
                ("208000000X", "Pediatrics"),
                ("207V00000X", "Obstetrics & Gynecology"),
                ("207P00000X", "Emergency Medicine"),
                ("207RG0300X", "Geriatric Medicine"),
                ("207RR0500X", "Rheumatology"),
                ("207RN0300X", "Nephrology"),
                ("363LF0000X", "Nurse Practitioner, Family"),
                ("363A00000X", "Physician Assistant"),
                ("208D00000X", "General Practice"),
                ("207W00000X", "Ophthalmology"),
                ("207Y00000X", "Otolaryngology"),
                ("2084P0800X", "Psychiatry"),
                ("207RH0003X", "Hematology & Oncology"),
                ("207RX0202X", "Medical Oncology"),
                ("208100000X", "Physical Medicine & Rehabilitation"),
                ("225100000X", "Physical Therapist"),
            )
        ),
        key=lambda e: e.display,
    )
)

PAYER_CLASSES: tuple[Entry, ...] = (
    Entry(PayerClass.commercial, "Commercial insurance"),
    Entry(PayerClass.medicare, "Medicare"),
    Entry(PayerClass.medicaid, "Medicaid"),
    Entry(PayerClass.tricare, "TRICARE"),
    Entry(PayerClass.workers_comp, "Workers' compensation"),
    Entry(PayerClass.self_pay, "Self-pay"),
    Entry(PayerClass.other, "Other"),
)

# Payers we contract with, by class: the names a person picks from (free text stays allowed).
PAYERS: tuple[tuple[str, PayerClass], ...] = (
    ("Aetna", PayerClass.commercial),
    ("Blue Cross Blue Shield", PayerClass.commercial),
    ("Cigna", PayerClass.commercial),
    ("Humana", PayerClass.commercial),
    ("UnitedHealthcare", PayerClass.commercial),
    ("Medicare", PayerClass.medicare),
    ("Humana Medicare Advantage", PayerClass.medicare),
    ("UnitedHealthcare Medicare Advantage", PayerClass.medicare),
    ("Ohio Medicaid", PayerClass.medicaid),
    ("CareSource", PayerClass.medicaid),
    ("Molina Healthcare", PayerClass.medicaid),
    ("TRICARE", PayerClass.tricare),
    ("Workers' Compensation", PayerClass.workers_comp),
    ("Self-pay", PayerClass.self_pay),
    ("Other", PayerClass.other),
)


def service_line_display(key: str) -> str:
    return next((s.display for s in SERVICE_LINES if s.key == key), key)


def require_service_line(value: str) -> None:
    """Staff and partners pick from the catalog; a key outside it is refused, naming the value."""
    if value not in SERVICE_LINE_KEYS:
        display = {s.display.lower(): s.key for s in SERVICE_LINES}.get(value.lower())
        hint = f" Use the key '{display}'." if display else " See GET /v1/reference/service-lines."
        raise InvalidInput(f"Service line '{value}' is not one we offer.{hint}", field="body.service_line")
