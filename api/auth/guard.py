"""The app-wide guard: authenticates, checks the permission matrix, and keeps the audit trail.

Installed once as an application dependency, so it runs before every route's own
code, and a route cannot opt out by forgetting a decorator.
"""

import uuid
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth.authenticate import authenticate
from api.deps import Principal, Session
from api.errors import problem_response
from api.permissions import ADMIN_ONLY, Rule, operation_of, rule_for
from domain.audit import trail as audit
from domain.identity.access import set_organization_scope
from domain.identity.enums import Role
from domain.identity.errors import Forbidden, InvalidClient, NotAuthenticated
from domain.shared.errors import DomainError, NotFound


async def authorize(request: Request, session: Session) -> AsyncIterator[None]:
    route = request.scope.get("route")
    operation = operation_of(request.scope)
    rule = rule_for(operation) or ADMIN_ONLY
    trail = audit.Trail(
        actor="anonymous",
        actor_kind="anonymous",
        operation=operation,
        request_id=getattr(request.state, "request_id", None),
        client_address=request.client.host if request.client else None,
    )
    session.info[audit.TRAIL_KEY] = trail
    try:
        if not rule.open:
            principal = await authenticate(request, session)
            request.state.principal = principal
            trail.actor, trail.actor_kind = principal.actor, principal.kind
            set_organization_scope(session, scoped_organization(principal))
            check_access(rule, principal, operation)
        yield
    except BaseException as exc:
        status = _status_of(exc)
        if _route_entry_needed(trail, rule.audit) or (not trail.entries and status in (401, 403)):
            _note_route(session, request, rule.audit or "access.denied")
        trail.failure = (audit.outcome_of(status), status)
        raise
    else:
        if rule.audit is not None and _route_entry_needed(trail, rule.audit):
            _note_route(session, request, rule.audit)
        await audit.write(session, trail, outcome="success", status=getattr(route, "status_code", None) or 200)
        session.info.pop(audit.TRAIL_KEY, None)
    finally:
        set_organization_scope(session, None)


class HiddenFromPortal(NotFound):
    def __init__(self) -> None:
        DomainError.__init__(self, "There is nothing at this address.")


def scoped_organization(principal: Principal) -> uuid.UUID | None:
    """The organisation a caller acts for alone: a partner key's, or a portal user's practice."""
    if principal.kind == "partner" or principal.role == Role.referrer:
        if principal.organization_id is None:
            raise NotAuthenticated("This credential is not bound to a practice; sign in again.")
        return principal.organization_id
    return None


# What a user holding an administrator-set password may still do: see who they are, pick their own, leave.
PASSWORD_CHANGE_OPERATIONS = frozenset({"auth-me", "auth-change_password", "auth-logout"})


def check_access(rule: Rule, principal: Principal, operation: str | None = None) -> None:
    """The permission matrix and the password-change rule; raises the refusal the caller gets."""
    if principal.password_change_required and operation not in PASSWORD_CHANGE_OPERATIONS:
        raise Forbidden(
            "Choose a new password first: this one was set by an administrator (POST /v1/auth/password).",
            password_change_required=True,
        )
    if rule.admits(principal.name, principal.scopes):
        return
    if principal.role == Role.referrer:
        # A portal user learns nothing of what lies outside the portal, not even that it exists.
        raise HiddenFromPortal()
    if principal.kind == "ehr_client" and rule.fhir:
        resource, access = rule.fhir
        raise Forbidden(
            f"This token lacks the SMART scope system/{resource}.{access}.", scope=f"system/{resource}.{access}"
        )
    who = f"the {principal.role} role" if principal.kind == "user" else f"a {principal.kind} credential"
    if principal.kind == "partner" and principal.name in rule.allow and rule.partner_scope:
        raise Forbidden(f"This API key lacks the {rule.partner_scope} scope.")
    raise Forbidden(f"This operation is not open to {who}.")


def _route_entry_needed(trail: audit.Trail, action: str | None) -> bool:
    """The route's own entry, unless the service already noted something about that kind of entity."""
    if action is None:
        return False
    entity_type = action.split(".", 1)[0]
    return not any(entry.entity_type == entity_type for entry in trail.entries)


def _note_route(session: Session, request: Request, action: str) -> None:
    """The audit entry for a route whose service noted nothing: its path ids and which route."""
    # A `token` in the path is a credential (a patient's appointment link): never written down.
    ids = {k: str(v) for k, v in request.path_params.items() if k != "token"}
    entity_type = action.split(".", 1)[0]
    entity_id = next((v for k, v in ids.items() if k.endswith("id")), None)
    audit.note(session, action, entity_type, entity_id, method=request.method, path_params=ids)


def _status_of(exc: BaseException) -> int:
    if isinstance(exc, DomainError):
        return exc.status
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return 500


def install_auth_error_handlers(app: FastAPI) -> None:
    """401s carry WWW-Authenticate; FHIR paths answer with an OperationOutcome."""

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> JSONResponse:
        response = _render(request, exc)
        response.headers["WWW-Authenticate"] = exc.www_authenticate
        return response

    @app.exception_handler(InvalidClient)
    async def invalid_client(request: Request, exc: InvalidClient) -> JSONResponse:
        response = _render(request, exc)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="refloop", error="invalid_client"'
        return response

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return _render(request, exc)

    @app.exception_handler(HiddenFromPortal)
    async def hidden(request: Request, exc: HiddenFromPortal) -> JSONResponse:
        return _render(request, exc)


def _render(request: Request, exc: DomainError) -> JSONResponse:
    if request.url.path.startswith("/fhir/"):
        code = {401: "login", 403: "forbidden", 404: "not-found"}.get(exc.status, "invalid")
        body = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": exc.detail}],
        }
        return JSONResponse(body, status_code=exc.status, media_type="application/fhir+json")
    return problem_response(request, status=exc.status, title=exc.title, slug=exc.slug, detail=exc.detail, **exc.extra)
