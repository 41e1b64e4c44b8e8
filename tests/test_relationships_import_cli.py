"""`refloop import referrals FILE.csv` against the test database (real commits, cleaned up)."""

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.factories import valid_npi
from tests.history import csv_bytes, row
from tests.test_auth_cli import _refloop


def test_import_referrals_from_the_command_line(tmp_path):
    engine = create_engine(make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg2"))
    provider_id, npi = uuid.uuid4(), valid_npi()
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into providers (id, npi, given_name, family_name, kind, status) "
                "values (:id, :npi, 'Cli', 'Referrer', 'external', 'active')"
            ),
            {"id": provider_id, "npi": npi},
        )
    good = tmp_path / "history.csv"
    good.write_bytes(
        csv_bytes([row(npi, "2024-02-01"), row(npi, "2024-02-02", status="declined", status_reason="misdirected")])
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row(npi, "2024-02-30")]))
    try:
        first = _refloop("import", "referrals", str(good))
        assert first.returncode == 0, first.stderr
        assert "loaded 2 of 2 rows" in first.stdout
        again = _refloop("import", "referrals", str(good))
        assert again.returncode == 0 and "already imported" in again.stdout
        refused = _refloop("import", "referrals", str(bad))
        assert refused.returncode == 1
        assert "row 2, received_at: '2024-02-30' is not a date" in refused.stderr
        with engine.connect() as conn:
            count = conn.execute(
                text("select count(*) from referrals where referring_provider_id = :p"), {"p": provider_id}
            ).scalar_one()
            audited = conn.execute(
                text("select count(*) from audit_events where action = 'referral.import' and actor_kind = 'cli'")
            ).scalar_one()
        assert count == 2 and audited >= 1
    finally:
        with engine.begin() as conn:
            ids = "select id from referrals where referring_provider_id = :p"
            conn.execute(text(f"delete from referral_events where referral_id in ({ids})"), {"p": provider_id})
            conn.execute(text("delete from referral_imports where rows = 2 and imported_by = 'cli'"))
            conn.execute(text("delete from referrals where referring_provider_id = :p"), {"p": provider_id})
            conn.execute(text("delete from providers where id = :p"), {"p": provider_id})
        engine.dispose()
