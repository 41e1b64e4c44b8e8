from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, Paging, Session
from api.errors import problem_responses
from domain.audit import service
from domain.audit.repository import AuditFilters
from domain.audit.schemas import AuditEvent
from domain.shared.schemas import Page, UtcDateTime

router = APIRouter(prefix="/audit-events", tags=["audit"])


@router.get("", response_model=Page[AuditEvent], summary="The audit log, newest first",
            responses=problem_responses(422))
async def list_audit_events(
    session: Session, principal: CurrentPrincipal, paging: Paging,
    actor: Annotated[str | None, Query(max_length=120, description="e.g. user:<id>, partner:<key id>, ehr:<client id>")] = None,
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. referral.read")] = None,
    outcome: Annotated[str | None, Query(pattern="^(success|denied|not_found|rejected|error)$")] = None,
    from_: Annotated[UtcDateTime | None, Query(alias="from", description="At or after (inclusive).")] = None,
    to: Annotated[UtcDateTime | None, Query(description="Before (exclusive).")] = None,
) -> Page[AuditEvent]:
    filters = AuditFilters(actor=actor, entity_type=entity_type, entity_id=entity_id, action=action, outcome=outcome,
                           at_from=from_, at_to=to)
    items, next_cursor = await service.list_events(session, filters=filters, limit=paging.limit, cursor=paging.cursor)
    return Page(items=items, next_cursor=next_cursor)
