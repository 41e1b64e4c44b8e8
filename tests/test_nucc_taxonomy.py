"""The NUCC taxonomy code set shipped as data: the whole published set, and the project's filter grouping."""

import csv
import re

import pytest
from sqlalchemy import select

from domain.providers.models import Provider
from domain.reference import build_nucc, nucc
from tests.directory_files import directory_csv, provider_row
from tests.factories import make_provider, valid_npi

# The filter group each code had when the data file was a hand-picked subset; the full set keeps them.
GROUPS_BEFORE_THE_FULL_SET = {
    "101YM0800X": "Counseling",
    "103T00000X": "Behavioral health",
    "1041C0700X": "Social services",
    "111N00000X": "Chiropractic",
    "122300000X": "Dental",
    "1223G0001X": "Dental",
    "152W00000X": "Ophthalmology",
    "183500000X": "Pharmacy",
    "193200000X": "Group practice",
    "193400000X": "Group practice",
    "207K00000X": "Allergy and immunology",
    "207KA0200X": "Allergy and immunology",
    "207L00000X": "Anesthesiology",
    "207LP2900X": "Pain medicine",
    "207N00000X": "Dermatology",
    "207ND0101X": "Dermatology",
    "207P00000X": "Emergency medicine",
    "207Q00000X": "Primary care",
    "207QA0505X": "Primary care",
    "207QG0300X": "Primary care",
    "207QS0010X": "Primary care",
    "207R00000X": "Primary care",
    "207RA0401X": "Behavioral health",
    "207RC0000X": "Cardiology",
    "207RC0001X": "Cardiology",
    "207RC0200X": "Critical care",
    "207RE0101X": "Endocrinology",
    "207RG0100X": "Gastroenterology",
    "207RG0300X": "Primary care",
    "207RH0000X": "Hematology and oncology",
    "207RH0002X": "Palliative care",
    "207RH0003X": "Hematology and oncology",
    "207RI0011X": "Cardiology",
    "207RI0200X": "Infectious disease",
    "207RN0300X": "Nephrology",
    "207RP1001X": "Pulmonology",
    "207RR0500X": "Rheumatology",
    "207RS0012X": "Sleep medicine",
    "207RX0202X": "Hematology and oncology",
    "207T00000X": "Neurosurgery",
    "207U00000X": "Imaging",
    "207V00000X": "Obstetrics and gynecology",
    "207VG0400X": "Obstetrics and gynecology",
    "207VM0101X": "Obstetrics and gynecology",
    "207VX0000X": "Obstetrics and gynecology",
    "207W00000X": "Ophthalmology",
    "207X00000X": "Orthopedics",
    "207XS0106X": "Orthopedics",
    "207XS0114X": "Orthopedics",
    "207XS0117X": "Orthopedics",
    "207XX0005X": "Orthopedics",
    "207Y00000X": "Otolaryngology",
    "207ZP0102X": "Laboratory",
    "208000000X": "Pediatrics",
    "2080P0207X": "Pediatrics",
    "208100000X": "Physical medicine",
    "208200000X": "Surgery",
    "2083P0901X": "Primary care",
    "2084N0400X": "Neurology",
    "2084P0800X": "Behavioral health",
    "2084V0102X": "Neurology",
    "2085R0001X": "Hematology and oncology",
    "2085R0202X": "Imaging",
    "208600000X": "Surgery",
    "2086S0122X": "Surgery",
    "2086S0129X": "Surgery",
    "2086X0206X": "Hematology and oncology",
    "208800000X": "Urology",
    "208D00000X": "Primary care",
    "208G00000X": "Surgery",
    "208M00000X": "Hospital medicine",
    "208VP0014X": "Pain medicine",
    "213E00000X": "Podiatry",
    "225100000X": "Physical therapy",
    "225X00000X": "Physical therapy",
    "235Z00000X": "Physical therapy",
    "261QM1300X": "Group practice",
    "261QP2300X": "Primary care",
    "261QR0200X": "Imaging",
    "282N00000X": "Hospital",
    "291U00000X": "Laboratory",
    "363A00000X": "Advanced practice",
    "363AM0700X": "Advanced practice",
    "363L00000X": "Advanced practice",
    "363LA2200X": "Advanced practice",
    "363LF0000X": "Advanced practice",
    "363LP0808X": "Behavioral health",
}


def test_each_code_of_the_old_subset_keeps_its_filter_group():
    assert len(GROUPS_BEFORE_THE_FULL_SET) == 87
    found = {code: nucc.lookup(code) for code in GROUPS_BEFORE_THE_FULL_SET}
    assert [code for code, t in found.items() if t is None] == []
    groups = {code: t.specialty_group for code, t in found.items() if t}
    assert groups == GROUPS_BEFORE_THE_FULL_SET


def test_the_whole_published_code_set_is_shipped():
    codes = nucc.code_set()
    assert len(codes) == 883  # NUCC version 25.1
    assert all(re.fullmatch(r"[0-9]{3}[0-9A-Z]{6}X", code) for code in codes)
    assert {t.section for t in codes.values()} == {"Individual", "Non-Individual"}
    assert all(t.display_name == t.display_name.strip() and t.display_name for t in codes.values())


def test_well_known_codes_read_as_nucc_names_them():
    cardiology = nucc.lookup(" 207rc0000x ")
    assert cardiology is not None
    assert (cardiology.classification, cardiology.specialization, cardiology.display_name) == (
        "Internal Medicine",
        "Cardiovascular Disease",
        "Cardiovascular Disease Physician",
    )
    assert cardiology.grouping == "Allopathic & Osteopathic Physicians" and cardiology.specialty_group == "Cardiology"
    general = nucc.lookup("208D00000X")
    assert general is not None and (general.classification, general.specialization) == ("General Practice", "")
    assert (general.display_name, general.specialty_group) == ("General Practice Physician", "Primary care")
    np = nucc.lookup("363L00000X")
    assert np is not None and (np.display_name, np.specialty_group) == ("Nurse Practitioner", "Advanced practice")
    clinic = nucc.lookup("261QM1300X")
    assert clinic is not None and clinic.section == "Non-Individual"
    assert clinic.grouping == "Ambulatory Health Care Facilities"
    assert clinic.display_name == "Multi-Specialty Clinic/Center"
    assert clinic.specialty_group == "Group practice"
    # Names are NUCC's as written: "&", parentheses and commas kept.
    assert nucc.lookup("207RE0101X").display_name == "Endocrinology, Diabetes & Metabolism Physician"
    assert nucc.lookup("2080P0207X").display_name == "Pediatric Hematology & Oncology Physician"
    assert nucc.lookup("207ZZ9999X") is None


def test_codes_the_old_subset_lacked_get_a_sensible_group():
    expected = {
        "2080P0202X": "Pediatrics",  # Pediatric Cardiology
        "207RA0001X": "Cardiology",  # Advanced Heart Failure and Transplant Cardiology
        "207RI0008X": "Gastroenterology",  # Hepatology
        "2084P0804X": "Behavioral health",  # Child & Adolescent Psychiatry
        "364SP0809X": "Behavioral health",  # Psychiatric/Mental Health, Adult clinical nurse specialist
        "207VX0201X": "Hematology and oncology",  # Gynecologic Oncology
        "2081P2900X": "Pain medicine",  # Pain Medicine (Physical Medicine & Rehabilitation)
        "2080H0002X": "Palliative care",  # Pediatric Hospice and Palliative Medicine
        "261QU0200X": "Emergency medicine",  # Urgent Care clinic
        "3336C0003X": "Pharmacy",  # Community/Retail Pharmacy
        "2279P1004X": "Respiratory therapy",
        "163WP0200X": "Nursing",  # Pediatric Registered Nurse
        "341600000X": "Transportation",  # Ambulance
    }
    assert {code: nucc.lookup(code).specialty_group for code in expected} == expected
    assert [c for c, t in nucc.code_set().items() if t.specialty_group == nucc.OTHER] == []


async def test_a_code_new_with_the_full_set_is_known_to_the_import_and_the_hygiene_list(client, session):
    npi = valid_npi()
    row = provider_row(npi, taxonomy_code_1="207RA0001X", taxonomy_code_2="363lw0102x", taxonomy_primary_2="N")
    response = await client.post(
        "/v1/imports/providers", files={"file": ("directory.csv", directory_csv([row]), "text/csv")}
    )
    assert response.status_code == 201, response.text
    assert [r["problem"] for r in response.json()["report"]] == [None]  # no "not in the NUCC code set" note
    assert nucc.lookup("207RA0001X").display_name == "Advanced Heart Failure and Transplant Cardiology Physician"
    provider = (await session.execute(select(Provider).where(Provider.npi == npi))).scalar_one()
    assert provider.specialties == [
        {"code": "207RA0001X", "display": nucc.lookup("207RA0001X").display_name, "primary": True},
        {"code": "363LW0102X", "display": "Women's Health Nurse Practitioner", "primary": False},
    ]
    new_code = await make_provider(
        session, specialties=[{"code": "207RA0001X", "display": "Heart failure", "primary": True}]
    )
    made_up = await make_provider(session, specialties=[{"code": "207ZZ9999X", "display": "Made up", "primary": True}])
    hygiene = (await client.get("/v1/directory/hygiene", params={"limit": 1000})).json()["items"]
    unknown = {i["provider_id"] for i in hygiene if i["kind"] == "unknown_taxonomy"}
    assert str(made_up.id) in unknown and unknown.isdisjoint({str(new_code.id), str(provider.id)})


def test_a_new_nucc_release_is_converted_to_the_shipped_columns(tmp_path):
    source = tmp_path / "nucc_taxonomy_999.csv"
    source.write_text(
        "\ufeffCode,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\n"
        '207RC0000X,Allopathic & Osteopathic Physicians,Internal Medicine,Cardiovascular Disease,"A long, quoted '
        'definition with ""quotes"".",[7/1/2008: new],Cardiovascular Disease Physician ,Individual\n'
        "261QM1300X,Ambulatory Health Care Facilities,Clinic/Center,Multi-Specialty,Definition to come...,,"
        "Multi-Specialty Clinic/Center,Non-Individual\n"
        "999A00000X,A Grouping Not Yet Seen,Something,,,,Something,Individual\n",
        encoding="utf-8",
    )
    rows = build_nucc.convert(source)
    out = tmp_path / "nucc_taxonomy.csv"
    build_nucc.write(rows, out)
    with out.open(encoding="utf-8", newline="") as file:
        written = list(csv.DictReader(file))
    assert list(written[0]) == ["code", "grouping", "classification", "specialization", "display_name", "section"]
    assert written[0]["display_name"] == "Cardiovascular Disease Physician"
    assert written[1] == {
        "code": "261QM1300X",
        "grouping": "Ambulatory Health Care Facilities",
        "classification": "Clinic/Center",
        "specialization": "Multi-Specialty",
        "display_name": "Multi-Specialty Clinic/Center",
        "section": "Non-Individual",
    }
    assert build_nucc.unmapped(rows) == ["grouping: A Grouping Not Yet Seen"]
    source.write_text(source.read_text(encoding="utf-8").replace("999A00000X", "207RC0000X"), encoding="utf-8")
    with pytest.raises(SystemExit, match="repeated codes"):
        build_nucc.convert(source)
