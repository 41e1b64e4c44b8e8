"""The application factory."""

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from api.auth.guard import authorize, install_auth_error_handlers
from api.auth.startup import refuse_development_secrets
from api.errors import install_error_handlers, problem_responses
from api.logging import configure_logging
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.webapp import mount_web_app
import domain.models  # noqa: F401  (every table on the metadata before the first query)
from api.routers import api_keys, audit, auth, ehr_clients, users
from api.routers import messages, templates
from api.routers import colleagues, search
from api.routers import analytics, appointments, fhir, health, organizations, providers, referrals, tasks
from domain.shared.settings import get_settings

DESCRIPTION = """
Referral management for clinics and specialty practices.

- Lists use cursor pagination: `?limit=&cursor=` answering `{"items": [...], "next_cursor": ...}`.
- Errors are RFC 9457 `application/problem+json`, naming the failing field.
- POSTs that create accept `Idempotency-Key`; updates need `If-Match` with the last `ETag`.
- Timestamps are UTC ISO 8601.
"""


# What any /v1 call can answer besides its own documented outcomes.
V1_RESPONSES = problem_responses(400, 401, 403, 413, 422, 429)


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app() -> FastAPI:
    settings = get_settings()
    refuse_development_secrets(settings)
    configure_logging(json=settings.log_json)
    app = FastAPI(
        title="Refloop",
        version="0.1.0",
        description=DESCRIPTION,
        generate_unique_id_function=operation_id,
        # Authentication, the permission matrix and the audit trail, for every route (api/permissions.py).
        dependencies=[Depends(authorize, scope="function")],
    )
    install_error_handlers(app)
    install_auth_error_handlers(app)
    app.include_router(health.router)
    for module in (colleagues, search):
        app.include_router(module.router, prefix="/v1", responses=V1_RESPONSES)
    app.include_router(referrals.counts_router, prefix="/v1", responses=V1_RESPONSES)
    for module in (auth, users, api_keys, ehr_clients, audit):
        app.include_router(module.router, prefix="/v1", responses=V1_RESPONSES)
    for module in (referrals, appointments, analytics, organizations, providers, tasks):
        app.include_router(module.router, prefix="/v1", responses=V1_RESPONSES)
    for outreach_router in (messages.router, messages.endpoints, templates.router):
        app.include_router(outreach_router, prefix="/v1", responses=V1_RESPONSES)
    app.include_router(fhir.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.security.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-API-Key", "X-Request-Id"],
        expose_headers=["ETag", "Location", "X-Request-Id", "Retry-After"],
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.security.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    # Last, so every API route above wins over the web app's files.
    mount_web_app(app)
    return app
