from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import StreamingResponse

from api.deps import CurrentPrincipal, Paging, ReadSession, Session
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.audit import export, service
from domain.audit.repository import AuditFilters
from domain.audit.schemas import AuditEvent
from domain.shared.clock import utcnow
from domain.shared.schemas import Page, UtcDateTime

router = PrefixedRouter(prefix="/audit-events", tags=["audit"])


def audit_filters(
    actor: Annotated[
        str | None, Query(max_length=120, description="e.g. user:<id>, partner:<key id>, ehr:<client id>")
    ] = None,
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. referral.read")] = None,
    outcome: Annotated[str | None, Query(pattern="^(success|denied|not_found|rejected|error)$")] = None,
    from_: Annotated[UtcDateTime | None, Query(alias="from", description="At or after (inclusive).")] = None,
    to: Annotated[UtcDateTime | None, Query(description="Before (exclusive).")] = None,
) -> AuditFilters:
    return AuditFilters(
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        outcome=outcome,
        at_from=from_,
        at_to=to,
    )


Filters = Annotated[AuditFilters, Depends(audit_filters)]


@router.get(
    "", response_model=Page[AuditEvent], summary="The audit log, newest first", responses=problem_responses(422)
)
async def list_audit_events(
    session: Session, principal: CurrentPrincipal, paging: Paging, filters: Filters
) -> Page[AuditEvent]:
    items, next_cursor = await service.list_events(session, filters=filters, limit=paging.limit, cursor=paging.cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/export",
    summary="The filtered audit log as CSV, newest first (streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(422)},
)
async def export_audit_events(
    session: Session, reader: ReadSession, principal: CurrentPrincipal, filters: Filters
) -> StreamingResponse:
    export.note_export(session, filters=filters)
    name = f"refloop-audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return StreamingResponse(
        export.csv_lines(reader, filters=filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
