"""The NUCC Health Care Provider Taxonomy code set, shipped as data in data/nucc_taxonomy.csv.

Source: the National Uniform Claim Committee's Health Care Provider Taxonomy, version 25.1
(https://www.nucc.org, published as nucc_taxonomy_251.csv), every code including the deactivated ones
NUCC still lists, so old records keep their names. Kept columns: code, grouping, classification,
specialization, display_name (NUCC's "Display Name") and section (Individual or Non-Individual); NUCC's
Definition and Notes texts are not shipped. Names are NUCC's as written, with surrounding blanks trimmed.

To move to a new version: download the CSV from nucc.org, run
`python -m domain.reference.build_nucc path/to/nucc_taxonomy_NNN.csv`, give a filter group below to any
grouping or physician classification the script names, and update the version here, in data/README.md,
in docs/directory.md and the code count in tests/test_nucc_taxonomy.py.

`specialty_group` is this project's grouping behind the directory's specialty filter. It is not NUCC's:
it is worked out from the tables below, the most specific match winning: the specialization within
its classification, then a specialization that means the same under every board, then the
classification, then NUCC's grouping.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "nucc_taxonomy.csv"
COLUMNS = ("code", "grouping", "classification", "specialization", "display_name", "section")
OTHER = "Other"

BY_GROUPING = {
    "Agencies": "Agency",
    "Allopathic & Osteopathic Physicians": "Other medical specialties",
    "Ambulatory Health Care Facilities": "Clinic",
    "Behavioral Health & Social Service Providers": "Behavioral health",
    "Chiropractic Providers": "Chiropractic",
    "Dental Providers": "Dental",
    "Dietary & Nutritional Service Providers": "Nutrition",
    "Emergency Medical Service Providers": "Emergency medical services",
    "Eye and Vision Services Providers": "Ophthalmology",
    "Group": "Group practice",
    "Hospital Units": "Hospital",
    "Hospitals": "Hospital",
    "Laboratories": "Laboratory",
    "Managed Care Organizations": "Managed care",
    "Nursing & Custodial Care Facilities": "Long-term care",
    "Nursing Service Providers": "Nursing",
    "Nursing Service Related Providers": "Home and personal care",
    "Other Service Providers": "Other services",
    "Pharmacy Service Providers": "Pharmacy",
    "Physician Assistants & Advanced Practice Nursing Providers": "Advanced practice",
    "Podiatric Medicine & Surgery Service Providers": "Podiatry",
    "Residential Treatment Facilities": "Residential treatment",
    "Respiratory, Developmental, Rehabilitative and Restorative Service Providers": "Rehabilitation",
    "Respite Care Facility": "Respite care",
    "Speech, Language and Hearing Service Providers": "Speech and hearing",
    "Student, Health Care": "Student",
    "Suppliers": "Supplier",
    "Technologists, Technicians & Other Technical Service Providers": "Technical services",
    "Transportation Services": "Transportation",
}

# Classification names that mean one thing wherever NUCC uses them.
BY_CLASSIFICATION = {
    # Physicians
    "Allergy & Immunology": "Allergy and immunology",
    "Anesthesiology": "Anesthesiology",
    "Clinical Pharmacology": "Other medical specialties",
    "Colon & Rectal Surgery": "Surgery",
    "Dermatology": "Dermatology",
    "Electrodiagnostic Medicine": "Neurology",
    "Emergency Medicine": "Emergency medicine",
    "Family Medicine": "Primary care",
    "General Practice": "Primary care",
    "Hospitalist": "Hospital medicine",
    "Independent Medical Examiner": "Other medical specialties",
    "Integrative Medicine": "Other medical specialties",
    "Internal Medicine": "Primary care",
    "Legal Medicine": "Other medical specialties",
    "Medical Genetics": "Medical genetics",
    "Neurological Surgery": "Neurosurgery",
    "Neuromusculoskeletal Medicine & OMM": "Physical medicine",
    "Neuromusculoskeletal Medicine, Sports Medicine": "Physical medicine",
    "Nuclear Medicine": "Imaging",
    "Obstetrics & Gynecology": "Obstetrics and gynecology",
    "Ophthalmology": "Ophthalmology",
    "Oral & Maxillofacial Surgery": "Surgery",
    "Orthopaedic Surgery": "Orthopedics",
    "Otolaryngology": "Otolaryngology",
    "Pain Medicine": "Pain medicine",
    "Pathology": "Laboratory",
    "Pediatrics": "Pediatrics",
    "Phlebology": "Other medical specialties",
    "Physical Medicine & Rehabilitation": "Physical medicine",
    "Plastic Surgery": "Surgery",
    "Preventive Medicine": "Primary care",
    "Psychiatry & Neurology": "Neurology",
    "Radiology": "Imaging",
    "Surgery": "Surgery",
    "Thoracic Surgery (Cardiothoracic Vascular Surgery)": "Surgery",
    "Transplant Surgery": "Surgery",
    "Urology": "Urology",
    # Other professions
    "Counselor": "Counseling",
    "Marriage & Family Therapist": "Counseling",
    "Social Worker": "Social services",
    "Case Manager/Care Coordinator": "Social services",
    "Community Health Worker": "Social services",
    "Peer Specialist": "Behavioral health",
    "Genetic Counselor, MS": "Medical genetics",
    "Health Educator": "Patient education",
    "Health & Wellness Coach": "Patient education",
    "Physical Therapist": "Physical therapy",
    "Physical Therapy Assistant": "Physical therapy",
    "Occupational Therapist": "Physical therapy",
    "Occupational Therapy Assistant": "Physical therapy",
    "Speech-Language Pathologist": "Physical therapy",
    "Respiratory Therapist, Certified": "Respiratory therapy",
    "Respiratory Therapist, Registered": "Respiratory therapy",
    "Pulmonary Function Technologist": "Respiratory therapy",
    # Suppliers
    "Pharmacy": "Pharmacy",
    "Department of Veterans Affairs (VA) Pharmacy": "Pharmacy",
    "Indian Health Service/Tribal/Urban Indian Health (I/T/U) Pharmacy": "Pharmacy",
    "Military/U.S. Coast Guard Pharmacy": "Pharmacy",
}

# Specializations named the same under several boards and professions, with one meaning.
ANY_CLASSIFICATION = {
    "Addiction Medicine": "Behavioral health",
    "Addiction Psychiatry": "Behavioral health",
    "Critical Care Medicine": "Critical care",
    "Hospice and Palliative Medicine": "Palliative care",
    "Pain Medicine": "Pain medicine",
    "Sleep Medicine": "Sleep medicine",
    "Psychiatric/Mental Health": "Behavioral health",  # also its ", Adult", ", Child & Adolescent", ... forms
}

BY_SPECIALIZATION = {
    "Internal Medicine": {
        "Adult Congenital Heart Disease": "Cardiology",
        "Advanced Heart Failure and Transplant Cardiology": "Cardiology",
        "Allergy & Immunology": "Allergy and immunology",
        "Cardiovascular Disease": "Cardiology",
        "Clinical & Laboratory Immunology": "Allergy and immunology",
        "Clinical Cardiac Electrophysiology": "Cardiology",
        "Diabetology": "Endocrinology",
        "Endocrinology, Diabetes & Metabolism": "Endocrinology",
        "Gastroenterology": "Gastroenterology",
        "Hematology": "Hematology and oncology",
        "Hematology & Oncology": "Hematology and oncology",
        "Hepatology": "Gastroenterology",
        "Hypertension Specialist": "Cardiology",
        "Infectious Disease": "Infectious disease",
        "Interventional Cardiology": "Cardiology",
        "Magnetic Resonance Imaging (MRI)": "Imaging",
        "Medical Oncology": "Hematology and oncology",
        "Nephrology": "Nephrology",
        "Pulmonary Disease": "Pulmonology",
        "Rheumatology": "Rheumatology",
        "Transplant Hepatology": "Gastroenterology",
    },
    "Psychiatry & Neurology": {
        "Behavioral Neurology & Neuropsychiatry": "Behavioral health",
        "Child & Adolescent Psychiatry": "Behavioral health",
        "Diagnostic Neuroimaging": "Imaging",
        "Forensic Psychiatry": "Behavioral health",
        "Geriatric Psychiatry": "Behavioral health",
        "Psychiatry": "Behavioral health",
        "Psychosomatic Medicine": "Behavioral health",
    },
    "Obstetrics & Gynecology": {"Gynecologic Oncology": "Hematology and oncology"},
    "Radiology": {
        "Radiation Oncology": "Hematology and oncology",
        "Therapeutic Radiology": "Hematology and oncology",  # NUCC's earlier name for radiation oncology
    },
    "Surgery": {"Surgical Oncology": "Hematology and oncology"},
    "Clinic/Center": {
        "Adolescent and Children Mental Health": "Behavioral health",
        "Adult Mental Health": "Behavioral health",
        "Community Health": "Primary care",
        "Dental": "Dental",
        "Emergency Care": "Emergency medicine",
        "End-Stage Renal Disease (ESRD) Treatment": "Nephrology",
        "Endoscopy": "Gastroenterology",
        "Federally Qualified Health Center (FQHC)": "Primary care",
        "Magnetic Resonance Imaging (MRI)": "Imaging",
        "Mental Health (Including Community Mental Health Center)": "Behavioral health",
        "Methadone": "Behavioral health",
        "Multi-Specialty": "Group practice",
        "Oncology": "Hematology and oncology",
        "Oncology, Radiation": "Hematology and oncology",
        "Ophthalmologic Surgery": "Ophthalmology",
        "Pain": "Pain medicine",
        "Physical Therapy": "Physical therapy",
        "Podiatric": "Podiatry",
        "Primary Care": "Primary care",
        "Radiology": "Imaging",
        "Radiology, Mammography": "Imaging",
        "Radiology, Mobile": "Imaging",
        "Radiology, Mobile Mammography": "Imaging",
        "Rehabilitation": "Physical medicine",
        "Rehabilitation, Substance Use Disorder": "Behavioral health",
        "Rural Health": "Primary care",
        "Sleep Disorder Diagnostic": "Sleep medicine",
        "Urgent Care": "Emergency medicine",
    },
}


@dataclass(frozen=True)
class Taxonomy:
    code: str
    grouping: str
    classification: str
    specialization: str
    display_name: str
    specialty_group: str
    section: str


def specialty_group(grouping: str, classification: str, specialization: str) -> str:
    return (
        BY_SPECIALIZATION.get(classification, {}).get(specialization)
        # "Psychiatric/Mental Health, Adult" reads as its first part
        or ANY_CLASSIFICATION.get(specialization.split(",")[0])
        or BY_CLASSIFICATION.get(classification)
        or BY_GROUPING.get(grouping, OTHER)
    )


@cache
def code_set() -> dict[str, Taxonomy]:
    with DATA.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return {
        row["code"]: Taxonomy(
            **row,
            specialty_group=specialty_group(row["grouping"], row["classification"], row["specialization"]),
        )
        for row in rows
    }


def lookup(code: str) -> Taxonomy | None:
    return code_set().get(code.strip().upper())
