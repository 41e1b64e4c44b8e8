"""The fixed vocabulary of the demo data: real NUCC taxonomy codes and ICD-10-CM codes, and
made-up names and places. Every name here is fictional; e-mail domains are reserved
example domains and phone numbers use the 555-01xx range kept for fiction."""

INTERNAL_ORGANIZATION = "Riverside Specialty Group"
INTERNAL_SITES = ("Main Campus", "Northside Clinic", "Lakeview Clinic")
HOSPITALS = ("St. Luke's Regional Hospital", "Mercy General Hospital", "Valley Community Hospital")
HEALTH_SYSTEM = "Valley Health Partners"
STATE = "OH"
CITIES = (
    ("Riverside", "45431"),
    ("Millbrook", "45432"),
    ("Cedar Falls", "45434"),
    ("Oak Harbor", "45440"),
    ("Lakeview", "45449"),
    ("Brookfield", "45458"),
    ("Fairview", "45459"),
    ("Springdale", "45415"),
    ("Northgate", "45414"),
    ("Eastwood", "45424"),
    ("Westbury", "45426"),
    ("Kingsley", "45429"),
)
STREETS = (
    "Maple Ave",
    "Oak St",
    "Elm St",
    "Cedar Rd",
    "Pine Ridge Dr",
    "Lakeshore Blvd",
    "Hillcrest Rd",
    "Washington St",
    "Park Ave",
    "River Rd",
    "Meadow Ln",
    "Church St",
    "Sycamore Dr",
    "Orchard Way",
)

# NUCC health care provider taxonomy (code, display).
CARDIOLOGY = ("207RC0000X", "Cardiovascular Disease")
ORTHOPAEDICS = ("207X00000X", "Orthopaedic Surgery")
GASTRO = ("207RG0100X", "Gastroenterology")
DERMATOLOGY = ("207N00000X", "Dermatology")
NEUROLOGY = ("2084N0400X", "Neurology")
ENDOCRINOLOGY = ("207RE0101X", "Endocrinology, Diabetes & Metabolism")
UROLOGY = ("208800000X", "Urology")
PULMONARY = ("207RP1001X", "Pulmonary Disease")
FAMILY_MEDICINE = ("207Q00000X", "Family Medicine")
INTERNAL_MEDICINE = ("207R00000X", "Internal Medicine")
PEDIATRICS = ("208000000X", "Pediatrics")
OBGYN = ("207V00000X", "Obstetrics & Gynecology")
EMERGENCY = ("207P00000X", "Emergency Medicine")
GERIATRICS = ("207RG0300X", "Geriatric Medicine")
RHEUMATOLOGY = ("207RR0500X", "Rheumatology")
NEPHROLOGY = ("207RN0300X", "Nephrology")
NURSE_PRACTITIONER = ("363LF0000X", "Nurse Practitioner, Family")
PHYSICIAN_ASSISTANT = ("363A00000X", "Physician Assistant")

# Our service lines: the specialty they stand for, subspecialties of their clinicians,
# how many clinicians, and how long a patient waits for a routine slot (days).
SERVICE_LINES: dict[str, dict] = {
    "cardiology": {
        "specialty": CARDIOLOGY,
        "clinicians": 4,
        "wait_days": 12,
        "sub": [("207RI0011X", "Interventional Cardiology"), ("207RC0001X", "Clinical Cardiac Electrophysiology")],
    },
    "orthopedics": {
        "specialty": ORTHOPAEDICS,
        "clinicians": 4,
        "wait_days": 9,
        "sub": [
            ("207XS0114X", "Adult Reconstructive Orthopaedic Surgery"),
            ("207XX0005X", "Sports Medicine"),
            ("207XS0117X", "Orthopaedic Surgery of the Spine"),
        ],
    },
    "gastroenterology": {"specialty": GASTRO, "clinicians": 3, "wait_days": 21, "sub": []},
    "dermatology": {
        "specialty": DERMATOLOGY,
        "clinicians": 3,
        "wait_days": 38,
        "sub": [("207ND0101X", "MOHS-Micrographic Surgery")],
    },
    "neurology": {
        "specialty": NEUROLOGY,
        "clinicians": 3,
        "wait_days": 30,
        "sub": [("2084V0102X", "Vascular Neurology")],
    },
    "endocrinology": {"specialty": ENDOCRINOLOGY, "clinicians": 2, "wait_days": 26, "sub": []},
    "urology": {"specialty": UROLOGY, "clinicians": 2, "wait_days": 17, "sub": []},
    "pulmonology": {"specialty": PULMONARY, "clinicians": 2, "wait_days": 15, "sub": []},
}

# What a referrer of each specialty sends us: service line -> weight.
PRIMARY_CARE_MIX = {
    "cardiology": 22,
    "orthopedics": 22,
    "gastroenterology": 15,
    "dermatology": 14,
    "neurology": 10,
    "endocrinology": 7,
    "urology": 6,
    "pulmonology": 4,
}
REFERRER_MIX: dict[str, dict[str, int]] = {
    FAMILY_MEDICINE[0]: PRIMARY_CARE_MIX,
    INTERNAL_MEDICINE[0]: PRIMARY_CARE_MIX,
    GERIATRICS[0]: {"cardiology": 30, "neurology": 25, "urology": 15, "orthopedics": 15, "pulmonology": 15},
    NURSE_PRACTITIONER[0]: PRIMARY_CARE_MIX,
    PHYSICIAN_ASSISTANT[0]: PRIMARY_CARE_MIX,
    PEDIATRICS[0]: {"dermatology": 35, "neurology": 25, "orthopedics": 25, "gastroenterology": 15},
    OBGYN[0]: {"endocrinology": 40, "gastroenterology": 20, "urology": 20, "dermatology": 20},
    EMERGENCY[0]: {"cardiology": 40, "orthopedics": 35, "neurology": 25},
    RHEUMATOLOGY[0]: {"orthopedics": 50, "dermatology": 30, "neurology": 20},
    NEPHROLOGY[0]: {"cardiology": 50, "urology": 40, "endocrinology": 10},
    ENDOCRINOLOGY[0]: {"cardiology": 45, "neurology": 30, "urology": 25},
}

# Referring practices are named "<place> <type>"; the type sets their clinicians' specialties.
PRACTICE_PLACES = (
    "Maplewood",
    "Cedar Park",
    "Lakeshore",
    "Northgate",
    "Harbor View",
    "Summit",
    "Brookside",
    "Oak Hill",
    "Willow Creek",
    "Pinecrest",
    "Riverbend",
    "Fairview",
    "Meadowbrook",
    "Stonebridge",
    "Westfield",
    "Kingsley",
    "Eastwood",
    "Millbrook",
    "Springdale",
    "Hillcrest",
    "Glenwood",
    "Ashford",
    "Bayside",
    "Clearwater",
    "Highland",
    "Sunnyside",
    "Foxborough",
    "Parkside",
    "Greenfield",
    "Elmhurst",
)
PRACTICE_TYPES: dict[str, tuple[tuple[tuple[str, str], int], ...]] = {
    "Family Medicine": ((FAMILY_MEDICINE, 8), (NURSE_PRACTITIONER, 2), (PHYSICIAN_ASSISTANT, 1)),
    "Primary Care": ((FAMILY_MEDICINE, 5), (INTERNAL_MEDICINE, 4), (NURSE_PRACTITIONER, 2)),
    "Internal Medicine": ((INTERNAL_MEDICINE, 8), (GERIATRICS, 2), (NURSE_PRACTITIONER, 1)),
    "Medical Associates": ((INTERNAL_MEDICINE, 4), (ENDOCRINOLOGY, 2), (RHEUMATOLOGY, 2), (NEPHROLOGY, 2)),
    "Pediatrics": ((PEDIATRICS, 9), (NURSE_PRACTITIONER, 1)),
    "Women's Health": ((OBGYN, 9), (NURSE_PRACTITIONER, 1)),
    "Urgent Care": ((EMERGENCY, 5), (FAMILY_MEDICINE, 3), (PHYSICIAN_ASSISTANT, 3)),
}
PRACTICE_TYPE_WEIGHTS = {
    "Family Medicine": 10,
    "Primary Care": 8,
    "Internal Medicine": 7,
    "Medical Associates": 4,
    "Pediatrics": 4,
    "Women's Health": 4,
    "Urgent Care": 3,
}
EHR_VENDORS = ("epic", "athena", "eclinicalworks", "nextgen", "cerner")

# Reasons for referral by service line: (ICD-10-CM code, reason text).
REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "cardiology": (
        ("R07.9", "Chest pain, abnormal stress ECG"),
        ("I48.91", "New atrial fibrillation, rate control review"),
        ("I10", "Resistant hypertension on three agents"),
        ("R00.2", "Palpitations, Holter requested"),
        ("I50.9", "Heart failure, worsening dyspnea"),
        ("R01.1", "New systolic murmur"),
        ("I25.10", "Known CAD, recurrent angina"),
        ("R55", "Syncope, evaluate for arrhythmia"),
    ),
    "orthopedics": (
        ("M17.11", "Right knee osteoarthritis, failed conservative care"),
        ("M17.12", "Left knee pain, OA on X-ray"),
        ("M25.511", "Right shoulder pain, limited abduction"),
        ("M54.50", "Low back pain over 6 weeks"),
        ("S83.511A", "Suspected ACL tear after sports injury"),
        ("M75.101", "Rotator cuff tear on MRI"),
        ("M16.11", "Right hip osteoarthritis"),
        ("M79.641", "Right hand pain and numbness"),
    ),
    "gastroenterology": (
        ("K21.9", "GERD not responding to PPI"),
        ("Z12.11", "Screening colonoscopy"),
        ("K58.9", "Irritable bowel symptoms"),
        ("R10.9", "Recurrent abdominal pain"),
        ("K92.1", "Melena, iron deficiency"),
        ("K76.0", "Fatty liver on ultrasound, raised ALT"),
        ("D50.9", "Iron deficiency anemia, evaluate GI loss"),
    ),
    "dermatology": (
        ("L57.0", "Actinic keratoses, face and scalp"),
        ("D22.9", "Changing pigmented lesion"),
        ("L40.0", "Plaque psoriasis, consider biologic"),
        ("L70.0", "Acne not responding to topicals"),
        ("L30.9", "Chronic dermatitis"),
        ("C44.91", "Biopsy-proven basal cell carcinoma"),
        ("L82.1", "Seborrheic keratoses, irritated"),
    ),
    "neurology": (
        ("G43.909", "Migraine, frequent attacks"),
        ("G40.909", "Seizure disorder, medication review"),
        ("R51.9", "New persistent headache"),
        ("G62.9", "Peripheral neuropathy, both feet"),
        ("G20.A1", "Tremor, possible Parkinson disease"),
        ("R42", "Recurrent dizziness"),
        ("G35", "Multiple sclerosis follow-up"),
        ("R20.2", "Paresthesia of hands"),
    ),
    "endocrinology": (
        ("E11.65", "Type 2 diabetes, A1c above 9%"),
        ("E03.9", "Hypothyroidism, dose adjustment"),
        ("E05.90", "Hyperthyroidism, low TSH"),
        ("E04.1", "Thyroid nodule on ultrasound"),
        ("E28.2", "Polycystic ovary syndrome"),
        ("M81.0", "Osteoporosis on DEXA"),
    ),
    "urology": (
        ("N40.1", "BPH with lower urinary tract symptoms"),
        ("R31.9", "Hematuria"),
        ("N20.0", "Kidney stone on CT"),
        ("R97.20", "Elevated PSA"),
        ("N39.0", "Recurrent urinary tract infections"),
    ),
    "pulmonology": (
        ("J44.9", "COPD, frequent exacerbations"),
        ("J45.909", "Asthma, poorly controlled"),
        ("R91.1", "Pulmonary nodule on CT"),
        ("G47.33", "Suspected obstructive sleep apnea"),
        ("R05.3", "Chronic cough over 8 weeks"),
    ),
}

# The visit summary a clinician writes when the patient has been seen: what the referrer reads in the
# portal and in the loop-closure notice.
VISIT_NOTES: dict[str, tuple[str, ...]] = {
    "cardiology": (
        "Seen in clinic. Echo ordered; started metoprolol. Follow-up in 6 weeks.",
        "Holter arranged. No change to medication for now; we will send the results.",
        "Stress test booked. Continue current antihypertensives; BP log requested.",
    ),
    "orthopedics": (
        "Examined; X-rays reviewed. Physical therapy for 8 weeks, then review.",
        "MRI ordered. Activity modification and NSAIDs meanwhile.",
        "Steroid injection given today. Review in 3 months if pain persists.",
    ),
    "gastroenterology": (
        "Endoscopy scheduled. PPI dose doubled until then.",
        "Colonoscopy done; no polyps. Routine screening again in 10 years.",
        "Labs and stool studies ordered; dietary advice given.",
    ),
    "dermatology": (
        "Lesion biopsied; results to follow within 2 weeks.",
        "Topical treatment started. Photographs taken for comparison at review.",
        "Benign on dermoscopy. No further action; patient reassured.",
    ),
    "neurology": (
        "EEG and MRI brain ordered. Started a preventive for migraine.",
        "Nerve conduction studies booked. Gabapentin trial started.",
        "Examination normal. Headache diary for 8 weeks, then review.",
    ),
    "endocrinology": (
        "Insulin regimen adjusted. Review HbA1c in 3 months.",
        "Thyroid ultrasound ordered; TFTs repeated today.",
        "Started on a GLP-1 agonist. Dietitian referral made.",
    ),
    "urology": (
        "Cystoscopy arranged. Urine cytology sent.",
        "Started tamsulosin. PSA repeated; review in 3 months.",
        "Ultrasound shows a small stone; conservative management and fluids.",
    ),
    "pulmonology": (
        "Spirometry done. Inhaler changed to a combination; review in 8 weeks.",
        "Sleep study booked. Weight and sleep hygiene advice given.",
        "CT follow-up in 6 months for the nodule, per guidelines.",
    ),
}

PAYERS: dict[str, tuple[tuple[str, ...], int]] = {
    "commercial": (("Blue Cross Blue Shield", "Aetna", "UnitedHealthcare", "Cigna", "Humana"), 52),
    "medicare": (("Medicare", "Humana Medicare Advantage", "UnitedHealthcare Medicare Advantage"), 28),
    "medicaid": (("Ohio Medicaid", "CareSource", "Molina Healthcare"), 12),
    "tricare": (("TRICARE",), 2),
    "workers_comp": (("Workers' Compensation",), 2),
    "self_pay": (("Self-pay",), 3),
    "other": (("Other",), 1),
}
CHANNELS = {"fhir": 34, "fax": 30, "partner_api": 10, "staff": 10, "phone": 11, "email": 5}
URGENCIES = {"routine": 75, "urgent": 17, "asap": 6, "stat": 2}
# Who sent the patient, when it was not one of the referring physicians.
OTHER_SOURCES = {"hospital": 6, "emergency_department": 5, "self_referral": 5, "payer": 1, "other": 1}

FEMALE_NAMES = (
    "Maria",
    "Jennifer",
    "Linda",
    "Patricia",
    "Susan",
    "Karen",
    "Nancy",
    "Lisa",
    "Sandra",
    "Ashley",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Melissa",
    "Deborah",
    "Stephanie",
    "Rebecca",
    "Laura",
    "Sharon",
    "Cynthia",
    "Kathleen",
    "Amy",
    "Angela",
    "Anna",
    "Brenda",
    "Pamela",
    "Nicole",
    "Samantha",
    "Katherine",
    "Christine",
    "Rachel",
    "Carolyn",
    "Janet",
    "Olivia",
    "Grace",
    "Sofia",
    "Aisha",
    "Mei",
)
MALE_NAMES = (
    "James",
    "Robert",
    "John",
    "Michael",
    "David",
    "William",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
    "Timothy",
    "Ronald",
    "Edward",
    "Jason",
    "Jeffrey",
    "Ryan",
    "Jacob",
    "Gary",
    "Nicholas",
    "Eric",
    "Jonathan",
    "Stephen",
    "Larry",
    "Omar",
    "Wei",
    "Raj",
    "Luis",
)
FAMILY_NAMES = (
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
    "Novak",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Murphy",
    "O'Brien",
    "Sullivan",
    "Bennett",
    "Brooks",
    "Price",
    "Reed",
    "Hughes",
    "Foster",
    "Sanders",
    "Ward",
    "Cooper",
)
PATIENT_NOTES = (
    "Prefers afternoon appointments",
    "Needs a Spanish interpreter",
    "Uses a wheelchair",
    "Call mobile only, no voicemail at home",
    "Daughter helps with scheduling",
    "Hard of hearing: prefers text",
)
STAFF_ROLES = {"referral_coordinator": 40, "office_manager": 25, "scheduler": 15, "nurse": 10, "medical_assistant": 10}
CONTACT_METHODS = {"fax": 35, "direct": 20, "fhir": 15, "email": 15, "phone": 10, "portal": 5}
