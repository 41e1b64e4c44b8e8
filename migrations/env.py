import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.ext.asyncio import create_async_engine

from domain.models import metadata
from domain.shared.crypto import Encrypted
from domain.shared.settings import get_settings, normalise_database_url


def database_url() -> str:
    # Tests and the CLI pass a URL explicitly; otherwise DATABASE_URL / the default.
    return normalise_database_url(context.config.get_main_option("sqlalchemy.url") or get_settings().database.url)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Sealed columns are plain text to the database.
    if type_ == "type" and isinstance(obj, Encrypted):
        return "sa.Text()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(), target_metadata=metadata, literal_binds=True, compare_type=True, render_item=render_item
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(database_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(run_migrations_online())
