"""Request-scoped dependencies: the session (one commit point), the principal, preconditions."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.db import get_sessionmaker
from domain.shared.errors import InvalidInput, PreconditionRequired


async def get_session() -> AsyncIterator[AsyncSession]:
    """Commits when the handler returns, rolls back when it raises: never a half-written record."""
    async with get_sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# Function scope: the commit happens before the response is sent, so a 201 means committed.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Principal:
    """Who is calling. `actor` is what the timeline and the audit log record."""

    actor: str
    kind: str = "user"


async def current_principal(request: Request) -> Principal:
    return Principal(actor="system")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def parse_if_match(value: str | None) -> int:
    if value is None:
        raise PreconditionRequired("Send If-Match with the ETag from your last read, so edits never overwrite each other.")
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput("If-Match must be an ETag this service issued.", field="header.If-Match")
    return int(tag)


def parse_optional_if_match(value: str | None) -> int | None:
    return None if value is None else parse_if_match(value)


async def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int:
    return parse_if_match(if_match)


IfMatch = Annotated[int, Depends(if_match)]


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` from the previous page.")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


Paging = Annotated[PageParams, Depends(page_params)]
