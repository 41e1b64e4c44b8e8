"""Patient data at rest: sealed per field, re-sealed by `refloop rotate-keys`, never stored as plaintext."""

import base64
import os

import pytest
from sqlalchemy import text

from api.auth.startup import InsecureConfiguration, refuse_development_secrets
from domain.identity.key_rotation import Progress, rotate_batch, sealed_tables
from domain.shared import crypto
from domain.shared.settings import SecuritySettings, Settings, get_settings
from tests.factories import make_referral, referral_payload

PATIENT = {
    "given_name": "Zebulon",
    "family_name": "Quixotestone",
    "birth_date": "1951-07-19",
    "sex": "male",
    "phone": "+1 555 867 5309",
    "email": "zebulon.q@mail.example",
    "mrn": "MRN-XQ-44817",
    "address": {"line": ["17 Larkspur Lane"], "city": "Fernhollow", "postal_code": "90210"},
    "notes": "Hearing aid in left ear",
}


async def test_raw_referral_rows_hold_no_patient_plaintext(client, session):
    created = await client.post(
        "/v1/referrals", json=referral_payload(patient=PATIENT, reason="Palpitations since the divorce")
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    await client.post(
        f"/v1/referrals/{rid}/contact-attempts",
        json={"channel": "phone", "reached": False, "note": "Zebulon's daughter answered"},
    )
    rows = [
        (await session.execute(text("select * from referrals where id = :id"), {"id": rid})).mappings().one(),
        *(await session.execute(text("select * from referral_events where referral_id = :id"), {"id": rid})).mappings(),
    ]
    stored = " ".join(str(v) for row in rows for v in row.values())
    for plaintext in (
        "Zebulon",
        "Quixotestone",
        "1951-07-19",
        "8675309",
        "zebulon.q@",
        "MRN-XQ-44817",
        "Larkspur",
        "Fernhollow",
        "Hearing aid",
        "Palpitations",
        "daughter",
    ):
        assert plaintext.lower() not in stored.lower(), plaintext
    # Yet the API reads them back, and exact lookup by MRN works through the blind index.
    assert (await client.get(f"/v1/referrals/{rid}")).json()["patient"]["family_name"] == "Quixotestone"
    found = (await client.get("/v1/referrals", params={"mrn": "MRN-XQ-44817"})).json()["items"]
    assert [item["id"] for item in found] == [rid]


@pytest.fixture
def new_active_key(monkeypatch):
    """A second key put first in SECURITY_ENCRYPTION_KEYS: it seals from now on, the old one still opens."""
    security = get_settings().security
    old = security.encryption_keys
    new = "k2:" + base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setattr(security, "encryption_keys", f"{new},{old}")
    crypto.keyring.cache_clear()
    yield "k2"
    monkeypatch.setattr(security, "encryption_keys", old)
    crypto.keyring.cache_clear()


async def _rotate_all(session, batch_size=2) -> Progress:
    progress = Progress()
    for table, columns in sealed_tables():
        after = None
        while True:
            after = await rotate_batch(session, table, columns, after=after, batch_size=batch_size, progress=progress)
            if after is None:
                break
    return progress


async def test_rotate_keys_reseals_every_value_under_the_active_key_and_is_idempotent(session, new_active_key):
    crypto.keyring.cache_clear()
    old_ring = crypto.KeyRing(get_settings().security.encryption_keys.split(",", 1)[1])
    # Written under the old key (as before the rotation started).
    crypto.keyring.cache_clear()
    referrals = []
    for n in range(3):
        referral = await make_referral(
            session,
            patient={"given_name": f"Rot{n}", "family_name": "Ation", "birth_date": "1970-01-01", "mrn": f"ROT-{n}"},
        )
        referrals.append(referral.id)
    await session.flush()
    ids = [str(i) for i in referrals]
    for rid in ids:  # force them back under the old key, as rows written before the new key existed
        given = old_ring.seal(b"Rot", "referrals.patient_given_name")
        await session.execute(
            text("update referrals set patient_given_name = :v where id = :id"), {"v": given, "id": rid}
        )
    before = (
        (
            await session.execute(
                text("select patient_given_name from referrals where id = any(:ids)"), {"ids": referrals}
            )
        )
        .scalars()
        .all()
    )
    assert all(v.startswith("dev1$") for v in before)

    first = await _rotate_all(session)
    assert first.values_resealed >= 3 and first.by_table.get("referrals", 0) >= 3
    after = (
        (await session.execute(text("select * from referrals where id = any(:ids)"), {"ids": referrals}))
        .mappings()
        .all()
    )
    sealed = [c for _, columns in sealed_tables() for c in columns]
    for row in after:
        for column in sealed:
            if column in row and row[column] is not None:
                assert row[column].startswith(f"{new_active_key}$"), (column, row[column][:8])
    assert crypto.keyring().open(after[0]["patient_given_name"], "referrals.patient_given_name") == b"Rot"

    again = await _rotate_all(session)
    assert again.values_resealed == 0


def test_production_refuses_the_development_keys():
    with pytest.raises(InsecureConfiguration) as refused:
        refuse_development_secrets(Settings(environment="production"))
    for name in ("SECURITY_SECRET_KEY", "SECURITY_ENCRYPTION_KEYS", "SECURITY_BLIND_INDEX_KEY"):
        assert name in str(refused.value)
    strong = SecuritySettings(
        secret_key="x" * 48,
        blind_index_key="y" * 48,
        encryption_keys="prod1:" + base64.b64encode(os.urandom(32)).decode(),
    )
    refuse_development_secrets(Settings(environment="production", security=strong))  # starts
    refuse_development_secrets(Settings(environment="development"))  # development keeps its defaults


def test_create_app_itself_refuses_in_production(monkeypatch):
    from api.main import create_app

    monkeypatch.setattr(get_settings(), "environment", "production")
    with pytest.raises(InsecureConfiguration):
        create_app()
