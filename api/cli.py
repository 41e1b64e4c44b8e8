"""The `refloop` command.

`refloop run` starts everything a developer needs; the other commands are its parts
(`serve`, `worker`, `migrate`, `seed --demo`) for deployments that run them separately.
Every command reads DATABASE_URL / REDIS_URL (environment or `.env`). Without them, `run`,
`migrate` and `seed` use the embedded servers keeping their data under `.data/`; `serve`
and `worker` use the settings' defaults (a local PostgreSQL and Redis).
"""

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="refloop",
    help="Refloop: referral management for clinics and specialty practices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEMO_SEED = 2026
DEMO_USERS_NOTE = (
    "Demo sign-ins (development data only): admin@, intake@, liaison@, clinician@, analyst@, practice@refloop.local, "
    "password refloop-demo"
)


def _say(message: str) -> None:
    typer.secho(f"refloop: {message}", fg=typer.colors.CYAN, err=True)


def _data_dir() -> Path:
    from domain.shared.settings import Settings

    return Path(Settings().data_dir).resolve()


def _use(name: str, url: str) -> str:
    """Point this process, and the processes it starts, at this server."""
    from domain.shared.settings import get_settings

    os.environ[name] = url
    get_settings.cache_clear()
    return url


@contextmanager
def _database() -> Iterator[str]:
    """DATABASE_URL when set, else the embedded server `refloop run` uses, for this command."""
    from api import embedded, launcher

    try:
        yield _use("DATABASE_URL", launcher.resolve_database(_data_dir()))
    finally:
        embedded.stop_embedded()


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Address the API listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the API listens on.")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the demo data loaded on first start.")] = DEMO_SEED,
) -> None:
    """Everything: PostgreSQL and Redis (embedded ones under .data/ unless DATABASE_URL /
    REDIS_URL are set), migrations, demo data on first start, the API and the worker."""
    from api import embedded, launcher

    # Until the supervisor takes over, SIGTERM unwinds like Ctrl-C so embedded servers stop.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    code = 0
    try:
        started = time.monotonic()
        database_url = _use("DATABASE_URL", launcher.resolve_database(_data_dir()))
        _use("REDIS_URL", launcher.resolve_redis(_data_dir()))
        _prepare_database(database_url)
        if not launcher.has_referrals(database_url):
            _seed_demo(database_url, seed=seed, referrals=None)
        commands = {
            "api": launcher.child_command("serve", "--host", host, "--port", str(port)),
            "worker": launcher.child_command("worker"),
        }
        catcher_port = launcher.mail_catcher_port()
        if catcher_port is not None:
            os.environ.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(catcher_port))
            commands["mail"] = launcher.child_command("mail-catcher", "--port", str(catcher_port))
            _say(f"mail catcher on 127.0.0.1:{catcher_port}: what is sent shows under Admin > Mail in the web app")
        _say(f"ready in {time.monotonic() - started:.1f} s: API at http://{host}:{port} (docs at /docs); Ctrl-C stops")
        _say(DEMO_USERS_NOTE)
        code = launcher.supervise(commands, env=dict(os.environ))
    except KeyboardInterrupt:
        code = 130
    finally:
        embedded.stop_embedded()
        _say("stopped")
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True)


@app.command("mail-catcher")
def mail_catcher(
    port: Annotated[int, typer.Option(help="SMTP port to listen on (127.0.0.1).")] = 8025,
) -> None:
    """Development SMTP server keeping every mail in the database for the web app's Mail page."""
    import asyncio

    from integrations.email.catcher import serve as serve_catcher

    with suppress(KeyboardInterrupt):
        asyncio.run(serve_catcher(port))


@app.command()
def worker() -> None:
    """Run the background worker (arq) on REDIS_URL; it starts again by itself when Redis drops it."""
    from arq.connections import RedisSettings

    from domain.shared.settings import get_settings
    from workers.main import run

    run(redis_settings=RedisSettings.from_dsn(get_settings().redis.url))


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create the database if it is missing and apply migrations up to REVISION."""
    with _database() as url:
        _prepare_database(url, revision=revision)


@app.command()
def reindex(
    all_rows: Annotated[
        bool, typer.Option("--all", help="Every referral, e.g. after changing the blind-index key.")
    ] = False,
) -> None:
    """Compute the patient search indexes (keyed hashes) of referrals that lack them."""
    from api import launcher

    with _database() as url:
        count = launcher.reindex(url, only_missing=not all_rows)
    _say(f"indexed {count} referrals")


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (pg_dump custom format).")],
) -> None:
    """Write the database to FILE. Keys are not in it: keep SECURITY_* settings safe on their own."""
    from api.backup import BackupError
    from api.backup import backup as write_backup

    with _database() as url:
        try:
            size = write_backup(url, file)
        except BackupError as exc:
            _say(f"backup failed: {exc}")
            raise typer.Exit(1) from exc
    _say(
        f"wrote {file} ({size:,} bytes); restoring it needs the same SECURITY_ENCRYPTION_KEYS and "
        "SECURITY_BLIND_INDEX_KEY"
    )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `refloop backup`.")],
    database_url: Annotated[
        str | None, typer.Option(help="Target database (new or empty); default DATABASE_URL.")
    ] = None,
) -> None:
    """Load a backup into a new or empty database, all or nothing; a database holding tables is refused."""
    from api.backup import BackupError
    from api.backup import restore as load_backup

    with _database() as url:
        target = database_url or url
        try:
            load_backup(file, target)
        except BackupError as exc:
            _say(f"restore failed: {exc}")
            raise typer.Exit(1) from exc
    _say(f"restored {file}; run `refloop migrate` if this version's schema is newer than the backup's")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same data.")] = DEMO_SEED,
    referrals: Annotated[int | None, typer.Option(min=1, help="Number of referrals (default about 3,000).")] = None,
    history_years: Annotated[
        int,
        typer.Option(min=0, max=5, help="Years of imported history before the live year, at the live year's volume."),
    ] = 2,
) -> None:
    """Load demo data into an empty database (development only)."""
    from api import launcher

    if not demo:
        raise typer.BadParameter("only the demo data set exists: pass --demo", param_hint="--demo")
    with _database() as url:
        if launcher.has_referrals(url):
            _say("the database already has referrals; demo data goes only into an empty database")
            raise typer.Exit(1)
        _seed_demo(url, seed=seed, referrals=referrals, history_years=history_years)
    _say(DEMO_USERS_NOTE)


def _prepare_database(url: str, *, revision: str = "head") -> None:
    from api import launcher

    if launcher.ensure_database(url):
        _say("created the database")
    _say(f"applying migrations up to {revision}")
    launcher.upgrade(url, revision)
    if revision == "head" and (count := launcher.reindex(url, only_missing=True)):
        # Indexes are keyed hashes the app computes: rows older than an index get it here.
        _say(f"indexed {count} referrals for search")


def _seed_demo(url: str, *, seed: int, referrals: int | None, history_years: int = 2) -> None:
    from seed.demo import load_demo

    started = time.monotonic()
    summary = load_demo(url, seed=seed, referrals=referrals, history_years=history_years)
    counts = ", ".join(f"{count} {name}" for name, count in summary.items())
    _say(f"loaded demo data (seed {seed}) in {time.monotonic() - started:.1f} s: {counts}")


# Accounts, keys and key rotation live with the identity code (api/auth/commands.py).
from api.auth.commands import register as _register_identity_commands  # noqa: E402

_register_identity_commands(app)

from api.import_commands import register as _register_import_commands  # noqa: E402

_register_import_commands(app)


if __name__ == "__main__":
    app()
