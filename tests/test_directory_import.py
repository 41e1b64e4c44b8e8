"""The provider directory comes in from an NPPES-style CSV: upsert by NPI, all or nothing, row by row report."""

import asyncio

from sqlalchemy import func, select, text

from domain.providers import import_jobs
from domain.providers.models import Affiliation, Provider, ProviderImport, StaffContact
from domain.relationships.errors import ImportRejected
from domain.relationships.models import ReferrerOwner
from domain.shared.db import unit_of_work
from tests.directory_files import directory_csv, provider_row
from tests.factories import valid_npi
from tests.principals import make_user


async def _upload(client, data: bytes, name: str = "directory.csv"):
    return await client.post("/v1/imports/providers", files={"file": (name, data, "text/csv")})


async def _by_npi(session, npi: str) -> Provider | None:
    return (await session.execute(select(Provider).where(Provider.npi == npi))).scalar_one_or_none()


async def test_a_file_creates_normalised_providers_with_their_practice_columns(client, session):
    liaison = await make_user(session, role="liaison")
    npi = valid_npi()
    row = provider_row(
        npi,
        organization_name="Riverside Cardiology",
        office_staff_name="Maria Lopez",
        office_staff_role="referral_coordinator",
        office_staff_phone="217.555.0199",
        email="Ana.Silva@Riverside.example",
        liaison_owner=liaison.email.upper(),
        taxonomy_code_2="207RI0011X",
        taxonomy_primary_2="N",
    )
    response = await _upload(client, directory_csv([row]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "succeeded" and body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "merged": 0}
    assert body["report"] == [
        {"row": 2, "npi": npi, "column": None, "problem": None, "action": "created", "entity_type": "individual"}
    ]
    provider = await _by_npi(session, npi)
    assert (provider.given_name, provider.family_name, provider.credentials) == ("Ana", "Silva", ["MD"])
    assert provider.address == {
        "line": ["123 N MAIN ST", "STE 4"],
        "city": "SPRINGFIELD",
        "state": "IL",
        "postal_code": "62704-1234",
        "country": "US",
    }
    assert {(c["system"], c["value"]) for c in provider.contact_points} == {
        ("phone", "+12175550142"),
        ("email", "Ana.Silva@riverside.example"),
    }
    assert provider.specialties == [
        {"code": "207RC0000X", "display": "Cardiovascular Disease Physician", "primary": True},
        {"code": "207RI0011X", "display": "Interventional Cardiology Physician", "primary": False},
    ]
    assert provider.preferred_contact_method == "fhir" and provider.verified_at is not None
    staff = (await session.execute(select(StaffContact).where(StaffContact.provider_id == provider.id))).scalar_one()
    assert (staff.name, staff.role, staff.phone) == ("Maria Lopez", "referral_coordinator", "+12175550199")
    assert (await session.get(ReferrerOwner, provider.id)).liaison_id == liaison.id
    assert (
        await session.execute(
            select(func.count()).select_from(Affiliation).where(Affiliation.provider_id == provider.id)
        )
    ).scalar_one() == 1
    job = await client.get(f"/v1/imports/providers/{body['id']}")
    assert job.status_code == 200 and job.json()["status"] == "succeeded" and job.json()["report_total"] == 1


async def test_reimport_changes_nothing_and_a_changed_row_is_an_update(client, session):
    npis = [valid_npi() for _ in range(3)]
    data = directory_csv([provider_row(n, last_name=f"Silva{i}") for i, n in enumerate(npis)])
    assert (await _upload(client, data)).status_code == 201
    before = {n: ((p := await _by_npi(session, n)).version, p.updated_at, p.verified_at) for n in npis}
    again = await _upload(client, data)
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 3, "merged": 0}
    assert [r["action"] for r in again.json()["report"]] == ["unchanged"] * 3
    session.expire_all()
    after = {n: await _by_npi(session, n) for n in npis}
    assert {n: (p.version, p.updated_at, p.verified_at) for n, p in after.items()} == before
    changed = directory_csv([provider_row(npis[0], last_name="Silva0", phone="217-555-0177")])
    report = (await _upload(client, changed)).json()["report"]
    assert report[0]["action"] == "updated"
    session.expire_all()
    assert {c["value"] for c in (await _by_npi(session, npis[0])).contact_points} == {"+12175550177"}


async def test_two_rows_with_one_npi_merge_into_one_provider(client, session):
    npi = valid_npi()
    data = directory_csv([provider_row(npi), provider_row(valid_npi()), provider_row(npi, fax="217 555 0100")])
    body = (await _upload(client, data)).json()
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "merged": 1}
    assert body["report"][2] == {
        "row": 4,
        "npi": npi,
        "column": None,
        "problem": "same NPI as row 2",
        "action": "merged",
        "entity_type": "individual",
    }
    provider = await _by_npi(session, npi)
    assert {c["system"] for c in provider.contact_points} == {"phone", "fax"}


async def test_an_unknown_taxonomy_is_kept_and_reported(client, session):
    npi = valid_npi()
    body = (await _upload(client, directory_csv([provider_row(npi, taxonomy_code_1="207ZZ9999X")]))).json()
    assert (
        body["report"][1]["column"] == "taxonomy_code_1" and "not in the NUCC code set" in body["report"][1]["problem"]
    )
    provider = await _by_npi(session, npi)
    assert provider.specialties == [{"code": "207ZZ9999X", "display": "207ZZ9999X", "primary": True}]
    assert (await client.get(f"/v1/providers/{provider.id}")).json()["specialties"][0]["code"] == "207ZZ9999X"


async def _refused(client, session, data: bytes) -> dict:
    before = (await session.execute(select(func.count()).select_from(Provider))).scalar_one()
    response = await _upload(client, data)
    assert response.status_code == 422, response.text
    assert (await session.execute(select(func.count()).select_from(Provider))).scalar_one() == before
    return response.json()


async def test_a_row_with_an_invalid_npi_refuses_the_whole_file(client, session):
    good, bad = valid_npi(), valid_npi()
    wrong = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    body = await _refused(
        client, session, directory_csv([provider_row(good), provider_row(wrong), provider_row("12345")])
    )
    assert body["row_errors"] == [
        {
            "row": 3,
            "column": "npi",
            "problem": f"{wrong} has a wrong check digit (Luhn with prefix 80840): a typing error?",
        },
        {"row": 4, "column": "npi", "problem": "'12345' is not an NPI (10 digits)"},
    ]
    assert await _by_npi(session, good) is None
    job = (await client.get("/v1/imports/providers")).json()[0]
    assert job["status"] == "rejected" and "nothing was imported" in job["detail"]


async def test_bad_cells_are_each_named(client, session):
    row = provider_row(
        valid_npi(),
        phone="call me",
        email="ana@",
        postal_code="6270",
        preferred_contact="pigeon",
        taxonomy_code_1="cardio",
    )
    body = await _refused(client, session, directory_csv([row]))
    assert {e["column"] for e in body["row_errors"]} == {
        "phone",
        "email",
        "postal_code",
        "preferred_contact",
        "taxonomy_code_1",
    }


async def test_wrong_encoding_missing_columns_and_nul_bytes_are_refused(client, session):
    latin1 = directory_csv([provider_row(valid_npi(), last_name="Muñoz")]).decode().encode("latin-1")
    assert "not UTF-8" in (await _refused(client, session, latin1))["detail"]
    body = await _refused(client, session, directory_csv([provider_row(valid_npi())], columns=("npi", "first_name")))
    assert {(e["column"], e["problem"]) for e in body["row_errors"]} == {
        ("entity_type", "is a required column and is missing"),
        ("last_name", "is a required column and is missing"),
    }
    nul = directory_csv([provider_row(valid_npi(), last_name="Sil\x00va")])
    body = await _refused(client, session, nul)
    assert body["row_errors"] == [{"row": 2, "column": None, "problem": "contains a NUL byte"}]


async def test_a_200_mb_file_is_refused_by_its_size_without_being_read(client):
    pulled = 0

    async def body():
        nonlocal pulled
        for _ in range(200):
            pulled += 1
            yield b"x" * 2**20

    response = await client.post(
        "/v1/imports/providers",
        content=body(),
        headers={"Content-Length": str(200 * 2**20), "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
    assert pulled <= 1


async def test_only_the_provider_relations_team_imports(client_for):
    intake = await client_for("intake")
    response = await intake.post("/v1/imports/providers", files={"file": ("d.csv", b"npi\n", "text/csv")})
    assert response.status_code == 403
    liaison = await client_for("liaison")
    response = await liaison.post(
        "/v1/imports/providers", files={"file": ("d.csv", directory_csv([provider_row(valid_npi())]), "text/csv")}
    )
    assert response.status_code == 201


async def test_two_overlapping_imports_at_once_end_with_one_record_per_npi(committed):
    shared = [valid_npi() for _ in range(300)]
    first = directory_csv([provider_row(n) for n in shared + [valid_npi() for _ in range(50)]])
    second = directory_csv([provider_row(n, phone="217-555-0111") for n in [valid_npi() for _ in range(50)] + shared])

    async def run(data: bytes):
        async with unit_of_work() as session:
            return (await import_jobs.run(session, data=data, filename="d.csv", actor="test")).counts

    counts = await asyncio.gather(run(first), run(second))
    assert sorted(c["created"] for c in counts) == [50, 350]
    async with unit_of_work() as session:
        per_npi = (
            await session.execute(
                select(Provider.npi, func.count()).where(Provider.npi.in_(shared)).group_by(Provider.npi)
            )
        ).all()
        assert len(per_npi) == 300 and {n for _, n in per_npi} == {1}
    # Settle on the second file, then send it again: nothing is written, the rows' transaction ids stay.
    await run(second)
    query = text("SELECT npi, xmin::text FROM providers WHERE npi = ANY(:n) ORDER BY npi")
    async with unit_of_work() as session:
        before = (await session.execute(query, {"n": shared})).all()
    assert await run(second) == {"created": 0, "updated": 0, "unchanged": 350, "merged": 0}
    async with unit_of_work() as session:
        assert (await session.execute(query, {"n": shared})).all() == before
        await session.execute(text("DELETE FROM provider_imports"))


async def test_a_rejected_import_is_recorded_as_a_job(committed):
    data = directory_csv([provider_row("0000000000")])
    async with unit_of_work() as session:
        try:
            await import_jobs.run(session, data=data, filename="bad.csv", actor="test")
        except ImportRejected as exc:
            assert exc.row_errors[0]["column"] == "npi"
    async with unit_of_work() as session:
        job = (await session.execute(select(ProviderImport).where(ProviderImport.filename == "bad.csv"))).scalar_one()
        assert job.status == "rejected" and job.report[0]["row"] == 2
        await session.execute(text("DELETE FROM provider_imports"))


async def test_after_a_hand_edit_the_same_file_puts_its_values_back(client, session):
    npi = valid_npi()
    data = directory_csv([provider_row(npi)])
    created = (await _upload(client, data)).json()["report"][0]
    provider = await _by_npi(session, npi)
    edit = await client.patch(
        f"/v1/providers/{provider.id}",
        json={"preferred_contact_method": "fax"},
        headers={"If-Match": f'"{provider.version}"'},
    )
    assert edit.status_code == 200, edit.text
    again = (await _upload(client, data)).json()["report"][0]
    assert (created["action"], again["action"]) == ("created", "updated")
    session.expire_all()
    assert (await _by_npi(session, npi)).preferred_contact_method == "fhir"
    assert (await _upload(client, data)).json()["report"][0]["action"] == "unchanged"
