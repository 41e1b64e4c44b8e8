"""Referral history comes in from a CSV: all rows or none, nothing twice, patient fields sealed."""

from datetime import date

from sqlalchemy import func, select, text

from domain.analytics.models import ReferralFact
from domain.referrals.models import Appointment, Referral
from domain.shared.crypto import blind_index
from tests.history import csv_bytes, make_referrer, row


async def _count(session) -> int:
    return (await session.execute(select(func.count()).select_from(Referral))).scalar_one()


async def _upload(client, data: bytes, name: str = "history.csv"):
    return await client.post("/v1/imports/referrals", files={"file": (name, data, "text/csv")})


async def test_history_loads_with_real_dates_statuses_and_appointments(client, session):
    provider, organization = await make_referrer(session)
    rows = [
        row(
            provider.npi,
            "2024-03-04T10:15:00Z",
            status="completed",
            appointment_date="2024-03-20",
            completion_date="2024-03-20",
            actual_revenue="420.50",
        ),
        row(provider.npi, "2024-05-01", status="cancelled", status_reason="no_show", appointment_date="2024-05-09"),
        row(provider.npi, "2024-06-01", status="declined", status_reason="out_of_network"),
    ]
    response = await _upload(client, csv_bytes(rows))
    assert response.status_code == 201, response.text
    assert response.json() | {"import_id": None} == {
        "import_id": None,
        "file_hash": response.json()["file_hash"],
        "rows": 3,
        "loaded": 3,
        "skipped": 0,
        "already_imported": False,
    }
    loaded = (
        (
            await session.execute(
                select(Referral).where(Referral.referring_provider_id == provider.id).order_by(Referral.received_at)
            )
        )
        .scalars()
        .all()
    )
    assert [r.received_at.isoformat() for r in loaded] == [
        "2024-03-04T10:15:00+00:00",
        "2024-05-01T00:00:00+00:00",
        "2024-06-01T00:00:00+00:00",
    ]
    assert [(r.status, r.status_reason) for r in loaded] == [
        ("completed", None),
        ("cancelled", "no_show"),
        ("declined", "out_of_network"),
    ]
    assert all(r.referring_organization_id == organization.id for r in loaded)
    assert loaded[0].completed_at.date() == date(2024, 3, 20)
    appointments = (
        (
            await session.execute(
                select(Appointment.status)
                .where(Appointment.referral_id.in_([r.id for r in loaded]))
                .order_by(Appointment.start)
            )
        )
        .scalars()
        .all()
    )
    assert appointments == ["fulfilled", "noshow"]
    # The analytics facts follow (their trigger runs for imported rows too): 16 days to appointment.
    fact = await session.get(ReferralFact, loaded[0].id)
    assert round(fact.appointment_days, 2) == round((16 * 86400 - 10.25 * 3600) / 86400, 2)


async def test_patient_fields_are_sealed_and_blind_indexed(client, session):
    provider, _ = await make_referrer(session)
    r = row(provider.npi, "2024-03-04", patient_mrn="MRN-777")
    assert (await _upload(client, csv_bytes([r]))).status_code == 201
    raw = (
        await session.execute(
            text(
                "SELECT patient_family_name, patient_mrn, patient_mrn_index FROM referrals WHERE patient_mrn_index = :i"
            ),
            {"i": blind_index("MRN-777")},
        )
    ).one()
    assert r["patient_family_name"] not in raw[0] and "MRN-777" not in raw[1]
    referral = (
        await session.execute(select(Referral).where(Referral.patient_mrn_index == blind_index("MRN-777")))
    ).scalar_one()
    assert referral.patient_family_name == r["patient_family_name"]


async def test_a_resent_file_loads_nothing_twice(client, session):
    provider, _ = await make_referrer(session)
    rows = [row(provider.npi, "2024-03-04"), row(provider.npi, "2024-03-05")]
    assert (await _upload(client, csv_bytes(rows))).status_code == 201
    before = await _count(session)
    again = await _upload(client, csv_bytes(rows))
    assert again.status_code == 200 and again.json()["already_imported"] is True
    # A different file overlapping the first by source id: only the new row goes in.
    overlap = await _upload(client, csv_bytes([rows[1], row(provider.npi, "2024-03-06")]))
    assert overlap.status_code == 201 and (overlap.json()["loaded"], overlap.json()["skipped"]) == (1, 1)
    assert await _count(session) == before + 1


async def test_bad_rows_are_reported_by_row_and_column_and_nothing_loads(client, session):
    provider, _ = await make_referrer(session)
    before = await _count(session)
    rows = [
        row(provider.npi, "2024-03-04"),
        row(provider.npi, "04/03/2024"),
        row("1234567893", "2024-03-04"),
        row(provider.npi, "2024-03-04", status="completed"),
        row(provider.npi, "2024-03-04", status="cancelled"),
    ]
    response = await _upload(client, csv_bytes(rows))
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["row"], e["column"]) for e in body["row_errors"]] == [
        (3, "received_at"),
        (4, "referrer_npi"),
        (5, "completion_date"),
        (6, "status_reason"),
    ]
    assert "not a date" in body["row_errors"][0]["problem"]
    assert "no provider with NPI 1234567893" in body["row_errors"][1]["problem"]
    assert await _count(session) == before


async def test_wrong_columns_are_named(client, session):
    data = b"received,referrer_npi,status\n2024-01-01,1234567893,received\n"
    body = (await _upload(client, data)).json()
    problems = {(e["column"], e["problem"]) for e in body["row_errors"]}
    assert ("received", "is not a column this import knows") in problems
    assert ("service_line", "is a required column and is missing") in problems


async def test_a_nul_byte_or_an_oversized_file_is_refused_whole(client, session):
    provider, _ = await make_referrer(session)
    before = await _count(session)
    data = csv_bytes([row(provider.npi, "2024-03-04"), row(provider.npi, "2024-03-05")])
    poisoned = data.replace(b"Ana", b"A\x00na", 1)
    response = await _upload(client, poisoned)
    assert response.status_code == 422 and "NUL byte" in response.json()["detail"]
    assert response.json()["row_errors"] == [{"row": 2, "column": None, "problem": "contains a NUL byte"}]
    big = data + b"x" * (50 * 2**20)
    response = await _upload(client, big)
    assert response.status_code == 413
    assert await _count(session) == before


async def test_only_admins_import(client_for, session):
    for role in ("intake", "liaison", "analyst"):
        c = await client_for(role)
        assert (await _upload(c, b"received_at\n")).status_code == 403


async def test_referrer_by_name_and_practice(session):
    provider, organization = await make_referrer(session, given_name="Rosa", family_name="Okafor")
    r = row("", "2024-03-04")
    del r["referrer_npi"]
    rows = [r | {"referrer_name": "rosa  OKAFOR", "referrer_practice": organization.name}]
    header = tuple(rows[0])
    from domain.relationships import imports

    result = await imports.import_referrals(session, data=csv_bytes(rows, header=header), filename=None, actor="t")
    assert result.loaded == 1
    referral = (
        await session.execute(select(Referral).where(Referral.referring_provider_id == provider.id))
    ).scalar_one()
    assert referral.referring_organization_id == organization.id
