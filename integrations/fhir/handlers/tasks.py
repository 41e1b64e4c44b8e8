"""Task: the referral's workflow state (virtual, one per referral, id = referral id)."""

import uuid
from typing import Any

from fhir.resources.R4B.task import Task
from sqlalchemy.ext.asyncio import AsyncSession

from domain.fhir import service as fhir_store
from domain.fhir.repository import FhirReferralRepository
from domain.journey.queries import TaskJourney, task_journeys
from domain.referrals.models import Referral
from domain.referrals.repository import ReferralRepository
from integrations.fhir.handlers import Result, uuid_id
from integrations.fhir.handlers.search import check_params, count_of, cursor_of, searchset
from integrations.fhir.handlers.service_requests import referral_query
from integrations.fhir.handlers.service_requests import render as render_service_request
from integrations.fhir.mappers.task import REFERRAL_STATUSES_FOR_TASK, referral_to_task
from integrations.fhir.outcomes import Unprocessable
from integrations.fhir.references import parse_reference
from integrations.fhir.resolver import Resolver

SEARCH_PARAMS = {"based-on", "focus", "status", "_lastUpdated", "_id"}


def render(referral: Referral, journey: TaskJourney | None = None) -> dict[str, Any]:
    journey = journey or TaskJourney()
    return referral_to_task(referral, render_service_request(referral), due_at=journey.due_at, missing=journey.missing)


async def render_one(session: AsyncSession, referral: Referral) -> dict[str, Any]:
    return render(referral, (await task_journeys(session, [referral.id])).get(referral.id))


async def read(session: AsyncSession, *, resource_id: str) -> Result:
    referral = await fhir_store.referral_with_original(session, referral_id=uuid_id("Task", resource_id))
    return Result(200, await render_one(session, referral))


async def search(session: AsyncSession, *, raw_params: list[tuple[str, str]]) -> Result:
    params = check_params(raw_params, SEARCH_PARAMS)
    count = count_of(params)
    params["based-on"] = params.get("based-on", []) + params.pop("focus", [])
    if not params["based-on"]:
        params.pop("based-on")
    query = await referral_query(session, params, statuses_for=REFERRAL_STATUSES_FOR_TASK, based_on="based-on")
    items, next_cursor = (
        ([], None)
        if query is None
        else await FhirReferralRepository(session).search(query, limit=count, cursor=cursor_of(params))
    )
    journeys = await task_journeys(session, [r.id for r in items])
    return Result(
        200,
        searchset("Task", [render(r, journeys.get(r.id)) for r in items], params=raw_params, next_cursor=next_cursor),
    )


def focus_reference(task: Task) -> tuple[str | None, str]:
    """The request a Task is about: `focus` (SDOH, 360X), else its first `basedOn`."""
    if task.focus is not None and task.focus.reference:
        return task.focus.reference, "Task.focus"
    if task.basedOn:
        return task.basedOn[0].reference, "Task.basedOn[0]"
    return None, "Task.focus"


async def referral_for(session: AsyncSession, resolver: Resolver, task: Task, *, path: str = "Task") -> uuid.UUID:
    raw, where = focus_reference(task)
    where = where.replace("Task", path, 1)
    if raw is None:
        raise Unprocessable(
            "A Task here is the workflow of a referral: its focus must be the ServiceRequest.",
            expression=where,
            code="required",
        )
    entry = resolver.entry(raw)
    if entry is not None and entry.location and entry.location[0] == "ServiceRequest":
        return uuid.UUID(entry.location[1])
    ref = parse_reference(raw)
    if ref.resource_type != "ServiceRequest":
        raise Unprocessable(
            f"The Task's focus is a {ref.resource_type or 'resource'}; only a ServiceRequest "
            "(a referral) has a Task here.",
            expression=where,
            code="not-supported",
        )
    referral_id = ref.uuid()
    if referral_id is None or not ref.local or await ReferralRepository(session).get_or_none(referral_id) is None:
        raise Unprocessable(
            f"{raw} is not a referral known here; send the ServiceRequest first.", expression=where, code="not-found"
        )
    return referral_id


async def create(session: AsyncSession, *, model: Task, resolver: Resolver, path: str = "Task") -> Result:
    """SDOH / BSeR pattern: the sender's Task about our ServiceRequest is answered with the referral's Task."""
    referral_id = await referral_for(session, resolver, model, path=path)
    referral = await fhir_store.referral_with_original(session, referral_id=referral_id)
    return Result(200, await render_one(session, referral))
