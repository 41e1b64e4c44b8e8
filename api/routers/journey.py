"""Journey automation settings: business calendars, SLA policies, work queues."""

import uuid
from typing import Annotated

from fastapi import Path, Query, Response, status

from api.deps import CurrentPrincipal, IfMatch, Session, etag
from api.errors import problem_responses
from api.prefixed import PrefixedRouter
from domain.identity.errors import Forbidden
from domain.journey import admin, completeness, routing, work_queue
from domain.journey.schemas import (
    BusinessCalendar,
    CalendarWrite,
    CompletenessRule,
    CompletenessRuleWrite,
    DryRunResult,
    ReapplyRequest,
    ReapplyResult,
    RoutingProbe,
    RoutingRule,
    RoutingRuleWrite,
    SlaPolicy,
    SlaPolicyWrite,
    WorkItem,
    WorkQueue,
    WorkQueueView,
    WorkQueueWrite,
)
from domain.referrals.enums import Urgency

calendars = PrefixedRouter(prefix="/calendars", tags=["calendars"])
sla_policies = PrefixedRouter(prefix="/sla-policies", tags=["sla-policies"])
work_queues = PrefixedRouter(prefix="/work-queues", tags=["work-queues"])
routing_rules = PrefixedRouter(prefix="/routing-rules", tags=["routing-rules"])
completeness_rules = PrefixedRouter(prefix="/completeness-rules", tags=["completeness-rules"])


@calendars.get("", response_model=list[BusinessCalendar], responses=problem_responses(401, 403))
async def list_calendars(session: Session) -> list:
    return await admin.list_calendars(session)


@calendars.post(
    "",
    response_model=BusinessCalendar,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_calendar(body: CalendarWrite, session: Session, response: Response):
    row = await admin.create_calendar(session, data=body)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/v1/calendars/{row.id}"
    return row


@calendars.get("/{calendar_id}", response_model=BusinessCalendar, responses=problem_responses(401, 403, 404))
async def get_calendar(calendar_id: uuid.UUID, session: Session, response: Response):
    row = await admin.get_calendar(session, calendar_id)
    response.headers["ETag"] = etag(row.version)
    return row


@calendars.put(
    "/{calendar_id}",
    response_model=BusinessCalendar,
    summary="Replace a calendar (hours, holidays, default flag)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def replace_calendar(
    calendar_id: uuid.UUID, body: CalendarWrite, session: Session, expected_version: IfMatch, response: Response
):
    row = await admin.replace_calendar(session, calendar_id=calendar_id, data=body, expected_version=expected_version)
    response.headers["ETag"] = etag(row.version)
    return row


@sla_policies.get("", response_model=list[SlaPolicy], responses=problem_responses(401, 403))
async def list_sla_policies(session: Session) -> list[SlaPolicy]:
    return await admin.list_policies(session)


@sla_policies.put(
    "/{urgency}",
    response_model=SlaPolicy,
    summary="Set an urgency's targets (for referrals received from now on)",
    responses=problem_responses(401, 403, 422),
)
async def save_sla_policy(urgency: Urgency, body: SlaPolicyWrite, session: Session) -> SlaPolicy:
    return await admin.save_policy(session, urgency=urgency, data=body)


@work_queues.get("", response_model=list[WorkQueue], responses=problem_responses(401, 403))
async def list_work_queues(session: Session) -> list[WorkQueue]:
    return await admin.list_queues(session)


@work_queues.post(
    "", response_model=WorkQueue, status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 409, 422)
)
async def create_work_queue(body: WorkQueueWrite, session: Session, response: Response) -> WorkQueue:
    queue = await admin.save_queue(session, data=body)
    response.headers["ETag"] = etag(queue.version)
    return queue


@work_queues.get("/{queue_id}", response_model=WorkQueue, responses=problem_responses(401, 403, 404))
async def get_work_queue(queue_id: uuid.UUID, session: Session, response: Response) -> WorkQueue:
    row = await admin.get_queue(session, queue_id)
    response.headers["ETag"] = etag(row.version)
    return await admin.queue_view(session, row)


@work_queues.put(
    "/{queue_id}", response_model=WorkQueue, responses=problem_responses(401, 403, 404, 409, 412, 422, 428)
)
async def replace_work_queue(
    queue_id: uuid.UUID, body: WorkQueueWrite, session: Session, expected_version: IfMatch, response: Response
) -> WorkQueue:
    queue = await admin.save_queue(session, data=body, queue_id=queue_id, expected_version=expected_version)
    response.headers["ETag"] = etag(queue.version)
    return queue


@routing_rules.get("", response_model=list[RoutingRule], responses=problem_responses(401, 403))
async def list_routing_rules(session: Session) -> list:
    return await routing.list_rules(session)


@routing_rules.post(
    "", response_model=RoutingRule, status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 422)
)
async def create_routing_rule(body: RoutingRuleWrite, session: Session, response: Response):
    row = await routing.create_rule(session, data=body)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/v1/routing-rules/{row.id}"
    return row


@routing_rules.post(
    "/dry-run",
    response_model=DryRunResult,
    summary="Which rule a referral would match, and why",
    responses=problem_responses(401, 403, 422),
)
async def dry_run_routing(body: RoutingProbe, session: Session) -> DryRunResult:
    return await routing.dry_run(session, probe=body)


@routing_rules.post(
    "/reapply",
    response_model=ReapplyResult,
    summary="Route open referrals again by the current rules",
    description="Only unassigned referrals unless `include_assigned` is set: editing rules never "
    "moves assigned referrals by itself.",
    responses=problem_responses(401, 403, 422),
)
async def reapply_routing(body: ReapplyRequest, session: Session, principal: CurrentPrincipal) -> ReapplyResult:
    return await routing.reapply(session, request=body, actor=principal.actor)


@routing_rules.get("/{rule_id:uuid}", response_model=RoutingRule, responses=problem_responses(401, 403, 404))
async def get_routing_rule(rule_id: uuid.UUID, session: Session, response: Response):
    row = await routing.get_rule(session, rule_id)
    response.headers["ETag"] = etag(row.version)
    return row


@routing_rules.put(
    "/{rule_id:uuid}", response_model=RoutingRule, responses=problem_responses(401, 403, 404, 412, 422, 428)
)
async def replace_routing_rule(
    rule_id: uuid.UUID, body: RoutingRuleWrite, session: Session, expected_version: IfMatch, response: Response
):
    row = await routing.replace_rule(session, rule_id=rule_id, data=body, expected_version=expected_version)
    response.headers["ETag"] = etag(row.version)
    return row


@routing_rules.delete(
    "/{rule_id:uuid}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 403, 404)
)
async def delete_routing_rule(rule_id: uuid.UUID, session: Session) -> Response:
    await routing.delete_rule(session, rule_id=rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@completeness_rules.get("", response_model=list[CompletenessRule], responses=problem_responses(401, 403))
async def list_completeness_rules(session: Session) -> list:
    return await completeness.list_rules(session)


@completeness_rules.get("/{service_line}", response_model=CompletenessRule, responses=problem_responses(401, 403, 404))
async def get_completeness_rule(service_line: Annotated[str, Path(max_length=100)], session: Session):
    return await completeness.get_rule(session, service_line)


@completeness_rules.put(
    "/{service_line}",
    response_model=CompletenessRule,
    summary="Set what a referral for this service line must carry",
    responses=problem_responses(401, 403, 422),
)
async def save_completeness_rule(
    service_line: Annotated[str, Path(min_length=1, max_length=100)], body: CompletenessRuleWrite, session: Session
):
    return await completeness.save_rule(session, service_line=service_line, data=body)


@completeness_rules.delete(
    "/{service_line}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 403, 404)
)
async def delete_completeness_rule(service_line: Annotated[str, Path(max_length=100)], session: Session) -> Response:
    await completeness.delete_rule(session, service_line=service_line)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


work_queue_router = PrefixedRouter(prefix="/work-queue", tags=["work-queue"])


@work_queue_router.get(
    "",
    response_model=WorkQueueView,
    summary="My open referrals and tasks, most at risk first",
    description="The signed-in user's and their queues' open referrals and tasks, ordered by time "
    "to breach (SLA due time or task due time), then urgency.",
    responses=problem_responses(401, 403),
)
async def get_my_work_queue(
    session: Session, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 100
) -> WorkQueueView:
    if principal.user_id is None:
        raise Forbidden("Only staff users have a work queue.")
    queues, items = await work_queue.work_queue(session, user_id=principal.user_id, limit=limit)
    return WorkQueueView(queues=queues, items=[WorkItem.model_validate(i) for i in items])


ROUTERS = (calendars, sla_policies, work_queues, routing_rules, completeness_rules, work_queue_router)
