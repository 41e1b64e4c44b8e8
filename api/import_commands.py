"""`refloop import referrals FILE.csv`: referral history, with a progress bar."""

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

    if file.stat().st_size > MAX_BYTES:
        typer.secho(
            f"{file}: {file.stat().st_size / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB. "
            "Split it into smaller files. Nothing was loaded.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)
    data = file.read_bytes()
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
            typer.secho(f"{file}: {exc.detail}", err=True, fg=typer.colors.RED)
            for e in exc.row_errors:
                typer.echo(
                    f"  row {e['row']}" + (f", {e['column']}" if e["column"] else "") + f": {e['problem']}", err=True
                )
            raise typer.Exit(1) from None
    if result.already_imported:
        typer.echo(f"{file}: already imported (same file); nothing loaded")
        return
    typer.echo(
        f"{file}: loaded {result.loaded} of {result.rows} rows"
        + (f"; {result.skipped} skipped (source_id loaded before)" if result.skipped else "")
    )


def register(app: typer.Typer) -> None:
    app.add_typer(imports, name="import")
