"""GET /v1/referrals/{id} and GET /v1/referrals, answered before FastAPI's routing in the common case.

These two reads are most of the API's traffic, and FastAPI's dependency solving, the ORM session
and response validation cost several times the database work under them (docs/performance.md).
This layer answers them directly when the request has the common shape: a staff bearer token
without an organisation scope, no Origin (CORS) and a query it fully understands. It keeps every
promise the routes keep, by the same code: the token verified with its revocation state
(api.auth.authenticate.bearer_principal), the permission matrix checked (api.auth.guard), the
same audit entry written (domain/referrals/audited_reads.py), and the same body: the schemas'
fields in their order, as plain values orjson writes as pydantic would (tests compare both paths).
Anything else (partner keys, portal users, EHR tokens, refusals, a
missing referral, `reveal`, other filters or sorts, an unexpected error) goes, untouched, to the
full app, which answers it and audits it as before. The routes stay declared in
api/routers/referrals.py, so the OpenAPI contract does not change.
"""

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import structlog
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.util.concurrency import greenlet_spawn
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth.authenticate import bearer_principal
from api.auth.guard import check_access, scoped_organization
from api.deps import Principal, get_session
from api.permissions import ADMIN_ONLY, rule_for
from api.routers import referrals
from api.text_guard import unstorable_in_request_line
from domain.audit import trail as audit
from domain.referrals import audited_reads
from domain.referrals.enums import ReferralStatus
from domain.shared.db import get_engine
from domain.shared.errors import DomainError

log = structlog.get_logger("refloop.referral_reads")

PREFIX = "/v1/referrals"
READ_PATH = re.compile(
    r"/v1/referrals/([0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12})"
)
READ, LIST = "referrals-get_referral", "referrals-list_referrals"
STATUSES = {s.value: s for s in ReferralStatus}
# Plain service-line names and issued cursors; anything else takes the full path (and its checks).
SERVICE_LINE = re.compile(r"[A-Za-z0-9 _.&/()+-]{1,100}")
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,512}")
LIMIT = re.compile(r"[0-9]{1,3}")
JSON_HEADERS = [(b"content-type", b"application/json")]
# A list page's plain values written as the schema writes them: UTC times with `Z`, naive ones taken as UTC.
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


class ReferralReads:
    def __init__(self, app: FastAPI, fallback: ASGIApp) -> None:
        self.app = app
        self.fallback = fallback
        # The routes these requests stand for (as the full path puts them on the scope), by operation id.
        self._routes = {
            f"referrals-{route.name}": route for route in referrals.router.routes if isinstance(route, APIRoute)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(PREFIX):
            await self.fallback(scope, receive, send)
            return
        try:
            answer = await self._answer(scope)
        except DomainError:  # a refusal, a bad token, a cursor not ours: the full path answers it
            answer = None
        except Exception:
            # Whatever went wrong, the full path answers it (and says so in its own way).
            log.warning("referral_read_fallback", exc_info=True)
            answer = None
        if answer is None:
            await self.fallback(scope, receive, send)
            return
        body, headers = answer
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), *JSON_HEADERS, *headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        if unstorable_in_request_line(scope):
            return None  # refused by the text guard on the full path
        path = scope["path"]
        if path == PREFIX:
            operation, referral_id = LIST, None
            query = _list_query(scope["query_string"])
            if query is None:
                return None
        else:
            match = READ_PATH.fullmatch(path)
            if match is None or scope["query_string"]:
                return None
            operation, referral_id, query = READ, match.group(1), None
        principal = await _principal(scope)
        if principal is None:
            return None
        rule = rule_for(operation) or ADMIN_ONLY
        check_access(rule, principal, operation)  # a refusal raises: the full path refuses and audits it
        if scoped_organization(principal) is not None:
            return None  # portal users: the session-scoped path applies their practice's scope
        state = scope.get("state") or {}
        client = scope.get("client")
        trail = audit.Trail(
            actor=principal.actor,
            actor_kind=principal.kind,
            operation=operation,
            request_id=state.get("request_id"),
            client_address=client[0] if client else None,
        )
        async with self._connection() as (driver, dialect):
            if referral_id is not None:
                found = await audited_reads.referral_detail(
                    driver, dialect, referral_id=uuid.UUID(referral_id), trail=trail, render=_plain_json
                )
                if found is None:
                    return None
                body, version = found
                headers = [(b"etag", f'"{version}"'.encode())]
            else:
                assert query is not None
                body = await audited_reads.referral_page(driver, dialect, query=query, trail=trail, render=_plain_json)
                headers = []
        # The route it stands for, as the access log, metrics and traces name it.
        scope["route"] = self._routes[operation]
        scope["path_params"] = {} if referral_id is None else {"referral_id": referral_id}
        return body, headers

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[tuple[Any, Any]]:
        """The driver connection to read on: a pooled one in autocommit (each statement its own
        transaction; a read and its audit entry are one statement), or, when the session dependency
        is overridden (the tests' transaction), the overriding session's, inside its unit of work."""
        override = self.app.dependency_overrides.get(get_session)
        if override is not None:
            async with asynccontextmanager(override)() as session:
                connection = await session.connection()
                raw = await connection.get_raw_connection()
                yield raw.driver_connection, connection.dialect
            return
        engine = get_engine()
        # Straight from the engine's pool: no Connection object, whose bookkeeping a driver-level read
        # does not use. A connection that failed is closed rather than pooled again.
        pooled = await engine.raw_connection()
        try:
            yield pooled.driver_connection, engine.dialect
        except BaseException:
            await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            await greenlet_spawn(pooled.close)


def _plain_json(page: dict[str, Any]) -> bytes:
    # asyncpg's UUIDs subclass uuid.UUID, which orjson writes only for the exact type: `default` writes them.
    return orjson.dumps(page, default=str, option=JSON_OPTIONS)


async def _principal(scope: Scope) -> Principal | None:
    authorization = None
    for key, value in scope["headers"]:
        if key in (b"x-api-key", b"origin"):
            return None  # partner keys (and their rate limit), CORS: the full path
        if key == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    principal = await bearer_principal(token.strip())
    return principal if principal.kind == "user" else None


def _list_query(raw: bytes) -> audited_reads.ListQuery | None:
    """The list's query when it holds only what this layer serves; None otherwise."""
    statuses: list[ReferralStatus] = []
    singles: dict[str, str] = {}
    if raw:
        for part in raw.decode("latin-1").split("&"):
            key, sep, value = part.partition("=")
            if not sep or "%" in part or "+" in part:
                return None  # escapes and spaces: the full path decodes them
            if key == "status" and value in STATUSES:
                statuses.append(STATUSES[value])
            elif key in ("service_line", "limit", "cursor") and key not in singles:
                singles[key] = value
            else:
                return None
    service_line, limit, cursor = singles.get("service_line"), singles.get("limit", "50"), singles.get("cursor")
    if service_line is not None and not SERVICE_LINE.fullmatch(service_line):
        return None
    if cursor is not None and not CURSOR.fullmatch(cursor):
        return None
    if not LIMIT.fullmatch(limit) or not 1 <= int(limit) <= 200:
        return None
    return audited_reads.ListQuery(tuple(statuses), service_line, int(limit), cursor)
