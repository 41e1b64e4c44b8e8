"""`refloop import providers FILE.csv` against the test database (real commits, cleaned up)."""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.directory_files import directory_csv, provider_row
from tests.factories import valid_npi
from tests.test_auth_cli import _refloop


def test_import_providers_from_the_command_line(tmp_path):
    engine = create_engine(make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg2"))
    npis = [valid_npi() for _ in range(2)]
    good = tmp_path / "directory.csv"
    good.write_bytes(directory_csv([provider_row(npis[0]), provider_row(npis[1], last_name="Reyes")]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(directory_csv([provider_row(npis[0][:-1] + str((int(npis[0][-1]) + 1) % 10))]))
    try:
        first = _refloop("import", "providers", str(good))
        assert first.returncode == 0, first.stderr
        assert "2 created, 0 updated, 0 unchanged, 0 merged" in first.stdout
        again = _refloop("import", "providers", str(good))
        assert again.returncode == 0 and "0 created, 0 updated, 2 unchanged, 0 merged" in again.stdout
        refused = _refloop("import", "providers", str(bad))
        assert refused.returncode == 1 and "row 2, npi:" in refused.stderr and "check digit" in refused.stderr
        with engine.connect() as conn:
            count = conn.execute(text("select count(*) from providers where npi = any(:n)"), {"n": npis}).scalar_one()
            audited = conn.execute(
                text("select count(*) from audit_events where action = 'provider.import' and actor_kind = 'cli'")
            ).scalar_one()
        assert count == 2 and audited >= 1
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "delete from provider_affiliations where provider_id in "
                    "(select id from providers where npi = any(:n))"
                ),
                {"n": npis},
            )
            conn.execute(text("delete from providers where npi = any(:n)"), {"n": npis})
            conn.execute(text("delete from provider_imports where imported_by = 'cli'"))
        engine.dispose()


def test_a_200_mb_file_is_refused_by_its_size_before_reading(tmp_path):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(200 * 2**20)  # sparse: 200 MB by size, nothing written to disk
    refused = _refloop("import", "providers", str(huge))
    assert refused.returncode == 1
    assert "200.0 MB; the limit is 64 MB. Split it into smaller files. Nothing was loaded." in refused.stderr
