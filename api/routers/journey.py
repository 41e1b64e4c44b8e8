"""Journey automation settings: business calendars, SLA policies, work queues."""

import uuid

from fastapi import APIRouter, Response, status

from api.deps import IfMatch, Session, etag
from api.errors import problem_responses
from domain.journey import admin
from domain.journey.schemas import BusinessCalendar, CalendarWrite, SlaPolicy, SlaPolicyWrite, WorkQueue, WorkQueueWrite
from domain.referrals.enums import Urgency

calendars = APIRouter(prefix="/calendars", tags=["calendars"])
sla_policies = APIRouter(prefix="/sla-policies", tags=["sla-policies"])
work_queues = APIRouter(prefix="/work-queues", tags=["work-queues"])


@calendars.get("", response_model=list[BusinessCalendar], responses=problem_responses(401, 403))
async def list_calendars(session: Session) -> list:
    return await admin.list_calendars(session)


@calendars.post("", response_model=BusinessCalendar, status_code=status.HTTP_201_CREATED,
                responses=problem_responses(401, 403, 409, 422))
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


@calendars.put("/{calendar_id}", response_model=BusinessCalendar,
               summary="Replace a calendar (hours, holidays, default flag)",
               responses=problem_responses(401, 403, 404, 409, 412, 422, 428))
async def replace_calendar(calendar_id: uuid.UUID, body: CalendarWrite, session: Session,
                           expected_version: IfMatch, response: Response):
    row = await admin.replace_calendar(session, calendar_id=calendar_id, data=body, expected_version=expected_version)
    response.headers["ETag"] = etag(row.version)
    return row


@sla_policies.get("", response_model=list[SlaPolicy], responses=problem_responses(401, 403))
async def list_sla_policies(session: Session) -> list[SlaPolicy]:
    return await admin.list_policies(session)


@sla_policies.put("/{urgency}", response_model=SlaPolicy,
                  summary="Set an urgency's targets (for referrals received from now on)",
                  responses=problem_responses(401, 403, 422))
async def save_sla_policy(urgency: Urgency, body: SlaPolicyWrite, session: Session) -> SlaPolicy:
    return await admin.save_policy(session, urgency=urgency, data=body)


@work_queues.get("", response_model=list[WorkQueue], responses=problem_responses(401, 403))
async def list_work_queues(session: Session) -> list[WorkQueue]:
    return await admin.list_queues(session)


@work_queues.post("", response_model=WorkQueue, status_code=status.HTTP_201_CREATED,
                  responses=problem_responses(401, 403, 409, 422))
async def create_work_queue(body: WorkQueueWrite, session: Session, response: Response) -> WorkQueue:
    queue = await admin.save_queue(session, data=body)
    response.headers["ETag"] = etag(queue.version)
    return queue


@work_queues.get("/{queue_id}", response_model=WorkQueue, responses=problem_responses(401, 403, 404))
async def get_work_queue(queue_id: uuid.UUID, session: Session, response: Response) -> WorkQueue:
    row = await admin.get_queue(session, queue_id)
    response.headers["ETag"] = etag(row.version)
    return await admin.queue_view(session, row)


@work_queues.put("/{queue_id}", response_model=WorkQueue, responses=problem_responses(401, 403, 404, 409, 412, 422, 428))
async def replace_work_queue(queue_id: uuid.UUID, body: WorkQueueWrite, session: Session,
                             expected_version: IfMatch, response: Response) -> WorkQueue:
    queue = await admin.save_queue(session, data=body, queue_id=queue_id, expected_version=expected_version)
    response.headers["ETag"] = etag(queue.version)
    return queue


ROUTERS = (calendars, sla_policies, work_queues)
