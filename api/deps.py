"""Request-scoped dependencies: the session (one commit point), the principal, preconditions."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit_trail
from domain.identity.errors import NotAuthenticated
from domain.shared.db import get_read_sessionmaker, get_sessionmaker
from domain.shared.errors import InvalidInput, PreconditionRequired


async def get_session() -> AsyncIterator[AsyncSession]:
    """Commits when the handler returns, rolls back when it raises: never a half-written record."""
    async with get_sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            # A refused or failed request is still accountable: its audit trail gets its own commit.
            if await audit_trail.write_failure(session):
                await session.commit()
            raise


# Function scope: the commit happens before the response is sent, so a 201 means committed.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session() -> AsyncIterator[AsyncSession]:
    """A read-only session that stays open while a streamed response is written, then closes."""
    async with get_sessionmaker()() as session:
        yield session


ReadSession = Annotated[AsyncSession, Depends(get_read_session, scope="request")]


async def get_analytics_session(session: Session) -> AsyncIterator[AsyncSession]:
    """Where the analytics queries read: the replica when DATABASE_READ_URL is set, else the
    request's own session. The request's session still carries the audit trail either way."""
    replica = get_read_sessionmaker()
    if replica is None:
        yield session
        return
    async with replica() as read:
        yield read


AnalyticsSession = Annotated[AsyncSession, Depends(get_analytics_session, scope="function")]


@dataclass(frozen=True)
class Principal:
    """Who is calling. `actor` is what the timeline and the audit log record:
    `user:<uuid>`, `partner:<key id>` or `ehr:<client id>`."""

    actor: str
    kind: str = "user"  # user | partner | ehr_client
    user_id: uuid.UUID | None = None
    role: str | None = None
    # A partner key or an EHR client acts for this organisation only.
    organization_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The API key id or the EHR client id.
    credential_id: str | None = None
    session_id: str | None = None
    # Signed in with a password an administrator set: only choosing a new one is allowed.
    password_change_required: bool = False

    @property
    def name(self) -> str:
        """The principal's column in the permission matrix: its role, `partner` or `ehr_client`."""
        return self.role if self.kind == "user" and self.role else self.kind


async def current_principal(request: Request) -> Principal:
    """The caller, authenticated by the app-wide guard (api.auth.guard) before the route runs."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise NotAuthenticated()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def parse_if_match(value: str | None) -> int:
    if value is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read, so edits never overwrite each other."
        )
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


def sort_order(sort: str) -> dict[str, Any]:
    """A listing's `sort` query (`column`, or `-column` for descending) as the repositories take it."""
    return {"sort": sort.removeprefix("-"), "descending": sort.startswith("-")}
