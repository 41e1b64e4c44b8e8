"""The application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

import domain.models  # noqa: F401  (every table on the metadata before the first query)
from api.auth.guard import authorize, install_auth_error_handlers
from api.auth.startup import refuse_development_secrets
from api.docs import install_docs
from api.errors import install_error_handlers, problem_responses
from api.logging import configure_logging
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.prefixed import include
from api.routers import (
    analytics,
    api_keys,
    appointments,
    audit,
    auth,
    colleagues,
    dev_mails,
    directory_duplicates,
    documents,
    duplicates,
    ehr_clients,
    exports,
    fhir,
    health,
    hygiene,
    imports,
    invitations,
    journey,
    messages,
    organizations,
    patient_links,
    portal,
    providers,
    reference,
    referral_reads,
    referrals,
    relationships,
    search,
    tasks,
    templates,
    touchpoints,
    users,
    webhook_endpoints,
    well_known,
)
from api.text_guard import TextGuardMiddleware, refuse_unstorable_path
from api.webapp import mount_web_app
from domain.journey.document_settings import document_settings
from domain.providers.importfile import MAX_BYTES as DIRECTORY_IMPORT_BYTES
from domain.relationships.csvfile import MAX_BYTES as MAX_IMPORT_BYTES
from domain.shared.settings import get_settings
from integrations import tracing

# Document uploads may be larger than other bodies: the route itself enforces the documents limit.
DOCUMENT_UPLOAD = r"^/v1/referrals/[^/]+/documents$"

DESCRIPTION = """
Referral management for clinics and specialty practices.

- Lists use cursor pagination: `?limit=&cursor=` answering `{"items": [...], "next_cursor": ...}`.
- Errors are RFC 9457 `application/problem+json`, naming the failing field.
- POSTs that create accept `Idempotency-Key`; updates need `If-Match` with the last `ETag`.
- Timestamps are UTC ISO 8601.
"""


# What any /v1 call can answer besides its own documented outcomes.
V1_RESPONSES = problem_responses(400, 401, 403, 413, 422, 429, 503)


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


class RefloopApp(FastAPI):
    """FastAPI with the request context outside Starlette's own error middleware: `add_middleware` can only
    place it inside, where an unexpected error's 500 would leave without X-Request-Id or a request id
    in its body."""

    def build_middleware_stack(self) -> ASGIApp:
        # With tracing on, the request's server span encloses it all (integrations/tracing.py).
        # The common referral reads are answered before routing (api/routers/referral_reads.py says how).
        reads = referral_reads.ReferralReads(self, super().build_middleware_stack())
        return tracing.wrap_asgi(RequestContextMiddleware(reads))


GC_YOUNG_THRESHOLD = 20_000


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # What import and startup built (about 290,000 objects: models, schemas, routes) lives as long as the
    # process. Left to the collector, every full collection walked it again, 140 ms during which each
    # request in flight waited: the long tail of the latencies under load. Frozen, it is never walked.
    gc.collect()
    gc.freeze()
    # At the default 700 allocations a young collection ran several times within one request, so what
    # the request still held was promoted and, some dozen requests later, a full collection (14-33 ms)
    # walked it: an analytics summary's p95. At 20,000 a request's objects are mostly freed before the
    # collector looks; unreachable cycles wait a little longer (docs/performance.md, "Collector").
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    refuse_development_secrets(settings)
    configure_logging(json=settings.log_json)
    app = RefloopApp(
        title="Refloop",
        version="0.1.0",
        description=DESCRIPTION,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Authentication, the permission matrix and the audit trail, for every route (api/permissions.py).
        # Unstorable text in a path parameter is refused first, before the guard records anything.
        dependencies=[Depends(refuse_unstorable_path), Depends(authorize, scope="function")],
        # FastAPI's own spans, metrics and exception logs (which record error messages) whenever global
        # OpenTelemetry providers exist: off. Refloop traces in one place, without patient data
        # (integrations/tracing.py), and a request does not pay for FastAPI checking the providers.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    install_docs(app)
    install_auth_error_handlers(app)
    # Routes are matched in order: the busiest (referrals) first, then the FHIR facade. A router with a
    # prefix is passed with one comparison by paths outside it (api/prefixed.py).
    include(app, referrals.router, prefix="/v1", responses=V1_RESPONSES)
    include(app, fhir.router)
    include(app, health.router)
    v1_routers = (
        colleagues.router,
        search.router,
        referrals.counts_router,
        *(module.router for module in (auth, users, invitations, api_keys, ehr_clients, audit)),
        *(module.router for module in (appointments, analytics, organizations, providers, hygiene)),
        directory_duplicates.router,
        tasks.router,
        imports.router,
        relationships.router,
        relationships.analytics,
        relationships.admin,
        touchpoints.router,
        touchpoints.programs_router,
        exports.router,
        messages.router,
        messages.endpoints,
        templates.router,
        reference.router,
        patient_links.router,
        patient_links.preparation_router,
        *(module.router for module in (webhook_endpoints, dev_mails, portal)),
        *journey.ROUTERS,
        documents.router,
        duplicates.router,
        duplicates.settings,
    )
    for router in v1_routers:
        include(app, router, prefix="/v1", responses=V1_RESPONSES)
    include(app, well_known.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.security.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-API-Key", "X-Request-Id"],
        expose_headers=["ETag", "Location", "X-Request-Id", "Retry-After"],
    )
    # Inside the size limit (which bounds what it buffers), outside every route.
    app.add_middleware(TextGuardMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.security.max_body_bytes,
        larger={
            DOCUMENT_UPLOAD: document_settings().max_bytes + 64 * 1024,
            r"^/v1/imports/referrals$": MAX_IMPORT_BYTES + 64 * 1024,
            r"^/v1/imports/providers$": DIRECTORY_IMPORT_BYTES + 64 * 1024,
        },
    )
    # Last, so every API route above wins over the web app's files.
    mount_web_app(app)
    # Off unless an OTLP endpoint is set (integrations/tracing.py).
    tracing.configure("refloop-api")
    return app
