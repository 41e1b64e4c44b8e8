"""The ceiling: the same database work as the API with nothing else (Starlette + a raw asyncpg pool).

No auth, no ORM, no pydantic, no decryption, no middleware. Started by bench/http_bench.py as
`python -m bench.spread bench.bare:app --workers 2`, against the same database and with the same pool size
as the app, so app/bare is the price of everything the app adds.
"""

import os
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.shared.crypto import blind_index, keyring
from domain.shared.ids import uuid7
from domain.shared.settings import get_settings

# What GET /v1/referrals/{id} and the list return, column for column.
COLUMNS = (
    "id, version, status, status_reason, patient_given_name, patient_family_name, patient_birth_date, "
    "patient_sex, patient_phone, patient_email, patient_address, patient_mrn, patient_notes, "
    "referring_provider_id, referring_organization_id, receiving_provider_id, service_line, specialty_code, "
    "specialty_display, urgency, reason, icd10_codes, payer_name, payer_class, location_preference, "
    "source_channel, referral_source, source_system, source_identifier, assignee_id, queue, no_show_count, "
    "received_at, first_contact_at, needs_info_at, accepted_at, scheduled_at, completed_at, closed_at, "
    "declined_at, cancelled_at, created_at, updated_at"
)
BY_ID = f"SELECT {COLUMNS} FROM referrals WHERE id = $1"
# A list item also carries its SLA clock's first-contact due time (domain/referrals/views.LIST_COLUMNS).
FIRST_CONTACT_DUE = (
    "(SELECT first_contact_due_at FROM referral_clocks WHERE referral_id = referrals.id) AS first_contact_due_at"
)
INSERT = (
    "INSERT INTO referrals (id, created_at, updated_at, version, source_system, source_identifier, "
    "source_channel, referral_source, patient_given_name, patient_family_name, patient_birth_date, patient_sex, "
    "patient_phone, patient_mrn, patient_mrn_index, patient_name_dob_index, referring_provider_id, service_line, "
    "urgency, reason, icd10_codes, payer_name, payer_class, status, received_at, no_show_count) "
    "VALUES ($1, $2, $2, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, "
    "$22, 'received', $3, 0) "
    "ON CONFLICT (source_system, source_identifier) DO NOTHING RETURNING id"
)
STATUSES = {"received", "needs_info", "accepted", "scheduled", "completed", "closed", "declined", "cancelled"}
pool: asyncpg.Pool | None = None
sealed: dict[str, str | None] = {}  # a blind index is None for an empty input


def _pool() -> asyncpg.Pool:
    assert pool is not None, "opened by the lifespan"
    return pool


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body, default=str), status_code=status, media_type="application/json")


async def get_one(request: Request) -> Response:
    try:
        referral_id = uuid.UUID(request.path_params["referral_id"])
    except ValueError:
        return _json({"detail": "bad id"}, 422)
    row = await _pool().fetchrow(BY_ID, referral_id)
    if row is None:
        return _json({"detail": "not found"}, 404)
    return _json(dict(row))


async def list_page(request: Request) -> Response:
    """First page, newest first, with the list endpoint's status and service_line filters.

    Keyset on (received_at, id)."""
    query = request.query_params
    limit = min(int(query.get("limit", 50)), 200)
    statuses = [s for s in query.getlist("status") if s in STATUSES]
    where: list[str] = []
    args: list[object] = []
    if statuses:  # IN ($1, $2...) as SQLAlchemy renders it, so the planner sees the same query
        args.extend(statuses)
        where.append(f"status IN ({', '.join(f'${i}' for i in range(len(args) - len(statuses) + 1, len(args) + 1))})")
    if "service_line" in query:
        args.append(query["service_line"])
        where.append(f"service_line = ${len(args)}")
    args.append(limit + 1)
    sql = (
        f"SELECT {COLUMNS}, {FIRST_CONTACT_DUE} FROM referrals {'WHERE ' + ' AND '.join(where) if where else ''} "
        f"ORDER BY received_at DESC, id DESC LIMIT ${len(args)}"
    )
    rows = await _pool().fetch(sql, *args)
    items = [dict(r) for r in rows[:limit]]
    next_cursor = f"{items[-1]['received_at'].isoformat()}|{items[-1]['id']}" if len(rows) > limit else None
    return _json({"items": items, "next_cursor": next_cursor})


async def create(request: Request) -> Response:
    """One row, committed before the answer, like POST /v1/referrals (patient fields pre-sealed once)."""
    body = orjson.loads(await request.body())
    patient = body["patient"]
    now = datetime.now(UTC)
    received = datetime.fromisoformat(body["received_at"]) if body.get("received_at") else now
    new_id = await _pool().fetchval(
        INSERT,
        uuid7(),
        now,
        received,
        body.get("source_system"),
        body.get("source_identifier"),
        body.get("source_channel", "staff"),
        body["referral_source"],
        sealed["given"],
        sealed["family"],
        sealed["birth"],
        sealed["sex"],
        sealed["phone"],
        sealed["mrn"],
        blind_index(patient.get("mrn")),
        sealed["name_dob_index"],
        body.get("referring_provider_id") and uuid.UUID(body["referring_provider_id"]),
        body["service_line"],
        body.get("urgency", "routine"),
        sealed["reason"],
        body.get("icd10_codes", []),
        body.get("payer_name"),
        body.get("payer_class"),
    )
    return _json({"id": new_id, "status": "received"}, 201 if new_id else 200)


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


def _seal_constants() -> None:
    # The ceiling does no cryptography per request, but what it writes stays readable by the app.
    ring = keyring()
    for name, column, value in (
        ("given", "patient_given_name", "Bench"),
        ("family", "patient_family_name", "Insert"),
        ("birth", "patient_birth_date", "1970-01-01"),
        ("sex", "patient_sex", "female"),
        ("phone", "patient_phone", "+1 217 555 0100"),
        ("mrn", "patient_mrn", "MRN-BARE"),
        ("reason", "reason", "Bare insert ceiling"),
    ):
        sealed[name] = ring.seal(value.encode(), f"referrals.{column}")
    sealed["name_dob_index"] = blind_index("Insert", "Bench", "1970-01-01")


@asynccontextmanager
async def lifespan(app: Starlette):
    global pool
    settings = get_settings().database
    _seal_constants()
    pool = await asyncpg.create_pool(
        settings.url.replace("postgresql+asyncpg://", "postgresql://"),
        min_size=2,
        max_size=int(os.environ.get("BENCH_BARE_POOL", settings.pool_size + settings.max_overflow)),
        server_settings={"application_name": "refloop-bench-bare", "timezone": "UTC"},
    )
    try:
        yield
    finally:
        await pool.close()


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/v1/referrals", list_page, methods=["GET"]),
        Route("/v1/referrals", create, methods=["POST"]),
        Route("/v1/referrals/{referral_id}", get_one),
    ],
    lifespan=lifespan,
)
