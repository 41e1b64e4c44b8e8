"""`refloop create-user`, `create-api-key`, `create-ehr-client` and `rotate-keys`, registered on the main CLI."""

import asyncio
import getpass
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer


def create_user(
    email: Annotated[str, typer.Option(help="Sign-in e-mail.")],
    password: Annotated[str, typer.Option(help="At least 12 characters.", prompt=True, hide_input=True)],
    role: Annotated[str, typer.Option(help="admin, intake, liaison, clinician or analyst.")],
    full_name: Annotated[str | None, typer.Option(help="Shown in the app; defaults to the e-mail.")] = None,
    queue: Annotated[str | None, typer.Option(help="Work queue, e.g. cardiology-intake.")] = None,
) -> None:
    """Create a staff user."""
    from domain.identity.schemas import UserCreate
    from domain.identity.service import create_user as create

    # Whoever runs the command chose the password at the prompt: no forced change.
    data = _valid(
        UserCreate,
        email=email,
        password=password,
        role=role,
        full_name=full_name or email,
        queue=queue,
        password_change_required=False,
    )

    async def run() -> uuid.UUID:
        async with _unit("create-user") as session:
            return (await create(session, data=data, actor="cli")).id

    typer.echo(f"created user {asyncio.run(run())} ({data.email}, {data.role.value})")


def create_api_key(
    organization_id: Annotated[uuid.UUID, typer.Option(help="The partner organisation the key acts for.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'Riverside portal'.")],
    scopes: Annotated[
        list[str] | None, typer.Option("--scopes", help="Repeat for each; default all partner scopes.")
    ] = None,
) -> None:
    """Issue a partner API key. It is printed once; only its hash is kept."""
    from domain.identity.api_keys import create_api_key as create
    from domain.identity.schemas import ApiKeyCreate

    fields = {"organization_id": organization_id, "name": name} | ({"scopes": scopes} if scopes else {})
    data = _valid(ApiKeyCreate, **fields)

    async def run():
        async with _unit("create-api-key") as session:
            return await create(session, data=data, actor="cli")

    issued = asyncio.run(run())
    typer.echo(f"API key {issued.key.id} (prefix {issued.key.prefix}), scopes {' '.join(issued.key.scopes)}")
    typer.echo(issued.secret)
    typer.secho("Store it now: it cannot be shown again.", err=True, fg=typer.colors.YELLOW)


def create_ehr_client(
    name: Annotated[str, typer.Option(help="The EHR, e.g. 'Riverside Epic'.")],
    public_key: Annotated[Path, typer.Option(help="PEM public key (RSA or EC) or a JWKS .json file.", exists=True)],
    scopes: Annotated[
        list[str], typer.Option("--scopes", help="SMART system scopes, e.g. system/ServiceRequest.write.")
    ],
    client_id: Annotated[str | None, typer.Option(help="Defaults to a generated one.")] = None,
    fhir_base_url: Annotated[str | None, typer.Option(help="The EHR's FHIR base, for pushes back.")] = None,
) -> None:
    """Register an EHR client for SMART Backend Services."""
    import json

    from domain.identity.schemas import EhrClientCreate
    from domain.identity.smart import register_client

    text = public_key.read_text()
    key = {"jwks": json.loads(text)} if text.lstrip().startswith("{") else {"public_key_pem": text}
    data = _valid(EhrClientCreate, name=name, scopes=scopes, client_id=client_id, fhir_base_url=fhir_base_url, **key)

    async def run():
        async with _unit("create-ehr-client") as session:
            return await register_client(session, data=data, actor="cli")

    client = asyncio.run(run())
    typer.echo(f"EHR client {client.client_id} ({client.id}), scopes {' '.join(client.scopes)}")


def rotate_keys(
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per transaction.")] = 500,
) -> None:
    """Re-seal every encrypted column under the active key (the first of SECURITY_ENCRYPTION_KEYS).
    Safe to stop and run again."""
    from domain.audit.trail import note
    from domain.identity.key_rotation import Progress, rotate_batch, sealed_tables

    async def run() -> Progress:
        progress = Progress()
        for table, columns in sealed_tables():
            after = None
            while True:
                async with _unit("rotate-keys") as session:
                    after = await rotate_batch(
                        session, table, columns, after=after, batch_size=batch_size, progress=progress
                    )
                    note(session, "encryption.rotate", "table", getattr(table, "name", table))
                if after is None:
                    break
        return progress

    progress = asyncio.run(run())
    tables = ", ".join(f"{t}: {n}" for t, n in sorted(progress.by_table.items())) or "nothing to do"
    typer.echo(f"checked {progress.rows_seen} rows, re-sealed {progress.values_resealed} values ({tables})")


def register(app: typer.Typer) -> None:
    for command in (create_user, create_api_key, create_ehr_client, rotate_keys):
        app.command(command.__name__.replace("_", "-"))(command)


@asynccontextmanager
async def _unit(operation: str):
    """A unit of work whose changes land in the audit log like an API request's, as `cli:<os user>`."""
    import domain.models  # noqa: F401  (users name organizations: every table on the metadata first)
    from domain.audit import trail as audit
    from domain.shared.db import unit_of_work

    async with unit_of_work() as session:
        trail = audit.Trail(actor=f"cli:{getpass.getuser()}", actor_kind="cli", operation=f"cli-{operation}")
        session.info[audit.TRAIL_KEY] = trail
        yield session
        await audit.write(session, trail, outcome="success", status=None)


def _valid(schema, **fields):
    from pydantic import ValidationError

    try:
        return schema.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "input"
            typer.secho(f"--{where.replace('_', '-')}: {error['msg']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
