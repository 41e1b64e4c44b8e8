"""`refloop import referrals|providers FILE.csv`: referral history and the provider directory, with a progress bar."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

imports = typer.Typer(help="Load data from files.", no_args_is_help=True)


@imports.command("referrals")
def import_referrals(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header line; see docs/relationships.md for the columns.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
) -> None:
    """Load historical referrals: all rows or none, nothing twice."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.auth.commands import _unit
    from domain.relationships import imports as service
    from domain.relationships.csvfile import MAX_BYTES
    from domain.relationships.errors import ImportRejected

    data = _read_within(file, MAX_BYTES)
    columns = (TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("rows", total=None)

        async def run():
            async with _unit("import-referrals") as session:
                return await service.import_referrals(
                    session,
                    data=data,
                    filename=file.name,
                    actor="cli",
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )

        try:
            result = asyncio.run(run())
        except ImportRejected as exc:
            bar.stop()
            _rejected(file, exc)
    if result.already_imported:
        typer.echo(f"{file}: already imported (same file); nothing loaded")
        return
    typer.echo(
        f"{file}: loaded {result.loaded} of {result.rows} rows"
        + (f"; {result.skipped} skipped (source_id loaded before)" if result.skipped else "")
    )


def _read_within(file: Path, limit: int) -> bytes:
    """The file's bytes, refused by its size before reading any of it."""
    size = file.stat().st_size
    if size > limit:
        typer.secho(
            f"{file}: {size / 2**20:.1f} MB; the limit is {limit // 2**20} MB. "
            "Split it into smaller files. Nothing was loaded.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)
    return file.read_bytes()


def _rejected(file: Path, exc) -> None:
    typer.secho(f"{file}: {exc.detail}", err=True, fg=typer.colors.RED)
    for e in exc.row_errors:
        typer.echo(f"  row {e['row']}" + (f", {e['column']}" if e["column"] else "") + f": {e['problem']}", err=True)
    raise typer.Exit(1) from None


@imports.command("providers")
def import_providers(
    file: Annotated[
        Path,
        typer.Argument(
            help="NPPES-style CSV; see docs/directory.md for the columns.", exists=True, dir_okay=False, readable=True
        ),
    ],
    show: Annotated[int, typer.Option(help="Report rows to print (problems and changes first).")] = 20,
) -> None:
    """Load or update the provider directory: upsert by NPI, all rows or none."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.auth.commands import _unit
    from domain.providers import import_jobs, importfile
    from domain.relationships.errors import ImportRejected

    data = _read_within(file, importfile.MAX_BYTES)
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("rows", total=None)

        async def run():
            async with _unit("import-providers") as session:
                job = await import_jobs.run(
                    session,
                    data=data,
                    filename=file.name,
                    actor="cli",
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
                return job.id, job.counts, job.report

        try:
            job_id, counts, report = asyncio.run(run())
        except ImportRejected as exc:
            bar.stop()
            _rejected(file, exc)
    typer.echo(f"{file}: " + ", ".join(f"{n} {action}" for action, n in counts.items()) + f" (import {job_id})")
    notable = sorted(report, key=lambda e: (e["problem"] is None, e["action"] == "unchanged", e["row"]))[:show]
    for e in notable:
        if e["problem"] or e["action"] != "unchanged":
            typer.echo(
                f"  row {e['row']} ({e['npi']}): {e['action']}"
                + (f"; {e['column']}: {e['problem']}" if e["problem"] else "")
            )


def register(app: typer.Typer) -> None:
    app.add_typer(imports, name="import")
