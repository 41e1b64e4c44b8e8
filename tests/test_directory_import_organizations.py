"""Organization rows (NPPES entity type 2) in a directory file: upserted by NPI, and their providers join them."""

from sqlalchemy import select

from domain.providers.models import Affiliation, Organization, Provider
from tests.directory_files import directory_csv, provider_row
from tests.factories import valid_npi


def organization_row(npi: str, **cells: str) -> dict[str, str]:
    row = provider_row(
        npi,
        entity_type="2",
        first_name="",
        last_name="",
        credential="",
        preferred_contact="",
        internal_external="",
        organization_name="Lakeside Heart Group",
        taxonomy_code_1="193200000X",  # Multi-Specialty Group
        address_line_1="400 lake shore drive",
        address_line_2="",
        city="Chicago",
        state="IL",
        postal_code="60611",
        phone="312 555 0100",
        fax="312-555-0101",
    )
    row.update(cells)
    return row


async def _upload(client, data: bytes):
    return await client.post("/v1/imports/providers", files={"file": ("directory.csv", data, "text/csv")})


async def _organization(session, npi: str) -> Organization | None:
    return (await session.execute(select(Organization).where(Organization.npi == npi))).scalar_one_or_none()


async def test_an_organization_row_creates_the_organization_and_its_providers_join_it(client, session):
    org_npi, doctor_npi = valid_npi(), valid_npi()
    data = directory_csv(
        [organization_row(org_npi), provider_row(doctor_npi, organization_name="LAKESIDE HEART GROUP")]
    )
    response = await _upload(client, data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "merged": 0}
    assert [(r["row"], r["npi"], r["action"], r["entity_type"]) for r in body["report"]] == [
        (2, org_npi, "created", "organization"),
        (3, doctor_npi, "created", "individual"),
    ]
    organization = await _organization(session, org_npi)
    assert (organization.name, organization.kind) == ("Lakeside Heart Group", "practice")
    assert organization.address["line"] == ["400 LAKE SHORE DR"] and organization.address["postal_code"] == "60611"
    assert {(c["system"], c["value"]) for c in organization.contact_points} == {
        ("phone", "+13125550100"),
        ("fax", "+13125550101"),
    }
    doctor = (await session.execute(select(Provider).where(Provider.npi == doctor_npi))).scalar_one()
    joined = (
        await session.execute(select(Affiliation.organization_id).where(Affiliation.provider_id == doctor.id))
    ).scalars()
    assert list(joined) == [organization.id]  # the imported organization, not a second one of that name
    same_name = (
        await session.execute(select(Organization).where(Organization.name.ilike("lakeside heart group")))
    ).all()
    assert len(same_name) == 1


async def test_reimport_of_an_organization_changes_nothing_and_a_change_updates_it(client, session):
    npi = valid_npi()
    data = directory_csv([organization_row(npi, taxonomy_code_1="282N00000X")])  # General Acute Care Hospital
    assert (await _upload(client, data)).status_code == 201
    organization = await _organization(session, npi)
    assert organization.kind == "hospital"
    before = (organization.version, organization.updated_at)
    again = await _upload(client, data)
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 1, "merged": 0}
    await session.refresh(organization)
    assert (organization.version, organization.updated_at) == before
    moved = await _upload(client, directory_csv([organization_row(npi, phone="(312) 555-0199")]))
    assert moved.json()["counts"]["updated"] == 1
    await session.refresh(organization)
    assert organization.version == before[0] + 1 and organization.kind == "practice"
    assert {c["value"] for c in organization.contact_points if c["system"] == "phone"} == {"+13125550199"}


async def test_an_organization_row_numbers_the_practice_an_earlier_file_named(client, session):
    """The FHIR Organization upsert's NPI match first; then the practice created from providers' rows."""
    doctor = provider_row(valid_npi(), organization_name="Lakeside Heart Group")
    assert (await _upload(client, directory_csv([doctor]))).status_code == 201
    practice = (
        await session.execute(select(Organization).where(Organization.name == "Lakeside Heart Group"))
    ).scalar_one()
    npi = valid_npi()
    response = await _upload(client, directory_csv([organization_row(npi), doctor]))
    assert response.json()["counts"] == {"created": 0, "updated": 1, "unchanged": 1, "merged": 0}
    assert (await _organization(session, npi)).id == practice.id


async def test_an_organization_row_without_a_name_or_with_a_persons_cells_is_refused(client, session):
    npi = valid_npi()
    rows = [
        organization_row(npi, organization_name=""),
        organization_row(valid_npi(), credential="MD", liaison_owner="someone@clinic.example"),
        provider_row(npi, organization_name="Somewhere"),
    ]
    response = await _upload(client, directory_csv(rows))
    assert response.status_code == 422, response.text
    problems = {(e["row"], e["column"]): e["problem"] for e in response.json()["row_errors"]}
    assert problems[(2, "organization_name")].startswith("is empty; an organization row (entity type 2) needs")
    assert problems[(3, "credential")].startswith("is for individual rows (entity type 1)")
    assert (3, "liaison_owner") in problems
    assert (2, "first_name") not in problems and (2, "last_name") not in problems  # names may be empty on type 2
    assert await _organization(session, npi) is None  # all or nothing


async def test_an_individual_row_still_needs_its_names(client, session):
    response = await _upload(client, directory_csv([provider_row(valid_npi(), first_name="")]))
    assert response.status_code == 422
    assert [(e["column"], e["problem"]) for e in response.json()["row_errors"]] == [
        ("first_name", "is empty; a value is required")
    ]


async def test_an_organization_with_an_unknown_taxonomy_is_a_practice_and_the_row_says_so(client, session):
    npi = valid_npi()
    response = await _upload(client, directory_csv([organization_row(npi, taxonomy_code_1="207ZZ9999X")]))
    assert response.status_code == 201, response.text
    notes = [r for r in response.json()["report"] if r["problem"]]
    assert [(n["column"], n["action"]) for n in notes] == [("taxonomy_code_1", "created")]
    assert "hygiene" not in notes[0]["problem"]  # organizations are not on the hygiene list
    assert (await _organization(session, npi)).kind == "practice"
