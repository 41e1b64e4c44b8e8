"""Completeness: rules per service line, the ask at intake, the return when items arrive,
reminders and the decline as incomplete. Never commits."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.fhir import push as fhir_push
from domain.journey import config, schemas
from domain.journey.business_time import add_business_seconds
from domain.journey.completeness_rules import label, missing
from domain.journey.models import CompletenessRule, InfoRequest, ReferralDocument
from domain.journey.sla import BUILT_IN
from domain.referrals.enums import EventKind
from domain.referrals.enums import ReferralStatus as S
from domain.referrals.models import Referral, ReferralEvent
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound

ACTOR = "system:completeness"


# Admin.


def _key(service_line: str) -> str:
    return service_line.strip().casefold()


async def list_rules(session: AsyncSession) -> list[CompletenessRule]:
    return list((await session.execute(select(CompletenessRule).order_by(CompletenessRule.service_line))).scalars())


async def get_rule(session: AsyncSession, service_line: str) -> CompletenessRule:
    row = await session.get(CompletenessRule, _key(service_line))
    if row is None:
        raise NotFound("Completeness rule for service line", service_line)
    return row


async def save_rule(
    session: AsyncSession, *, service_line: str, data: schemas.CompletenessRuleWrite
) -> CompletenessRule:
    """For referrals received from now on; referrals already waiting keep the list they were asked for."""
    key = _key(service_line)
    row = await session.get(CompletenessRule, key, with_for_update=True)
    if row is None:
        row = CompletenessRule(service_line=key, version=0)
        session.add(row)
    row.items = [item.model_dump(exclude_none=True) for item in data.items]
    row.remind_every_days, row.decline_after_days = data.remind_every_days, data.decline_after_days
    row.version += 1
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.completeness_rule_save", "completeness_rule", key)
    return row


async def delete_rule(session: AsyncSession, *, service_line: str) -> None:
    await session.delete(await get_rule(session, service_line))
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.completeness_rule_delete", "completeness_rule", _key(service_line))


# The referral's side.


async def _document_kinds(session: AsyncSession, referral_id: uuid.UUID) -> set[str]:
    stmt = select(ReferralDocument.kind).where(ReferralDocument.referral_id == referral_id).distinct()
    return set((await session.execute(stmt)).scalars())


async def _lacking(session: AsyncSession, items: list[dict[str, str]], referral: Referral) -> list[dict[str, str]]:
    kinds = await _document_kinds(session, referral.id) if any("document" in i for i in items) else set()
    return missing(items, referral, kinds)


async def _business_deadline(session: AsyncSession, referral: Referral, start: datetime, days: int) -> datetime:
    calendar = (await config.current(session)).calendar_for(referral.queue)[1] or BUILT_IN
    return add_business_seconds(calendar, start, days * calendar.day_seconds())


async def check_at_intake(session: AsyncSession, referral: Referral, *, actor: str) -> None:
    """A new referral that lacks required items goes to needs_info with the list, and the referrer is asked."""
    from domain.referrals.service import apply_transition  # the referral service calls intake: import late

    rule = (await config.current(session)).completeness.get(_key(referral.service_line))
    if rule is None:
        return
    # A referral this new has no documents yet: any required document is missing.
    lacking = missing(rule.items, referral, set())
    if not lacking:
        return
    now = utcnow()
    labels = [label(item) for item in lacking]
    session.add(
        InfoRequest(
            referral_id=referral.id,
            missing=lacking,
            requested_at=now,
            reminders_sent=0,
            next_reminder_at=await _business_deadline(session, referral, now, rule.remind_every_days),
            decline_at=await _business_deadline(session, referral, now, rule.decline_after_days),
        )
    )
    # The note, one item per line, is what the info-request message lists (domain/outreach/context.py).
    await apply_transition(
        session,
        referral,
        to=S.needs_info,
        reason=None,
        note="\n".join(labels),
        actor=ACTOR,
        detail={"missing": labels, "requested_by": actor},
    )


async def open_request(session: AsyncSession, referral_id: uuid.UUID) -> InfoRequest | None:
    row = await session.get(InfoRequest, referral_id)
    return row if row is not None and row.resolved_at is None else None


async def recheck(session: AsyncSession, referral: Referral, *, trigger: str) -> None:
    """After a PATCH, an upload or an updated ServiceRequest: back to received once nothing is missing."""
    request = await open_request(session, referral.id)
    if request is None:
        return
    if S(referral.status) is not S.needs_info:  # staff moved it on by hand
        request.resolved_at, request.resolution = utcnow(), "moved_on"
        return
    still = await _lacking(session, request.missing, referral)
    if still:
        request.missing = still
        return
    now = utcnow()
    request.resolved_at, request.resolution = now, "complete"
    referral.status, referral.status_reason = S.received, None
    referral.updated_at = now
    referral.version += 1
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            at=now,
            actor=ACTOR,
            kind=EventKind.transition,
            from_status=S.needs_info,
            to_status=S.received,
            detail={"completeness": "complete", "trigger": trigger},
        )
    )
    from domain.journey import sla

    await sla.on_referral_changed(session, referral, now=now)
    await fhir_push.on_referral_changed(session, referral=referral)
    await session.flush()


async def info_request_view(session: AsyncSession, referral_id: uuid.UUID) -> schemas.InfoRequestView | None:
    request = await open_request(session, referral_id)
    return None if request is None else info_request_of(request)


def info_request_of(request: InfoRequest) -> schemas.InfoRequestView:
    return schemas.InfoRequestView(
        missing=[label(i) for i in request.missing],
        requested_at=request.requested_at,
        reminders_sent=request.reminders_sent,
        next_reminder_at=request.next_reminder_at,
        decline_at=request.decline_at,
    )


async def missing_labels(session: AsyncSession, referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    if not referral_ids:
        return {}
    stmt = select(InfoRequest.referral_id, InfoRequest.missing).where(
        InfoRequest.referral_id.in_(referral_ids), InfoRequest.resolved_at.is_(None)
    )
    return {rid: [label(i) for i in items] for rid, items in await session.execute(stmt)}


# The sweep.


async def sweep(session: AsyncSession, *, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Reminders that are due, and declines as incomplete past the deadline; (reminded, declined).
    Rows are claimed FOR UPDATE SKIP LOCKED, so two sweeps never act on one request."""
    from domain.outreach import triggers as outreach
    from domain.referrals.service import apply_transition

    now = now or utcnow()
    stmt = (
        select(InfoRequest)
        .where(InfoRequest.resolved_at.is_(None), InfoRequest.next_reminder_at <= now)
        .order_by(InfoRequest.next_reminder_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    reminded = declined = 0
    for request in (await session.execute(stmt)).scalars():
        referral = await session.get(Referral, request.referral_id, with_for_update=True)
        assert referral is not None  # the request's foreign key
        if S(referral.status) is not S.needs_info:
            request.resolved_at, request.resolution = now, "moved_on"
            continue
        rule = await session.get(CompletenessRule, _key(referral.service_line))
        if request.decline_at is not None and request.decline_at <= now:
            labels = [label(i) for i in request.missing]
            await apply_transition(
                session,
                referral,
                to=S.declined,
                reason="incomplete",
                note="Still missing:\n" + "\n".join(labels),
                actor=ACTOR,
                detail={"missing": labels},
            )
            request.resolved_at, request.resolution = now, "declined"
            declined += 1
            continue
        request.reminders_sent += 1
        await outreach.on_info_reminder(session, referral=referral, number=request.reminders_sent)
        session.add(
            ReferralEvent(
                referral_id=referral.id,
                at=now,
                actor=ACTOR,
                kind=EventKind.note,
                detail={"info_reminder": request.reminders_sent, "missing": [label(i) for i in request.missing]},
            )
        )
        every = rule.remind_every_days if rule else 2
        next_at = await _business_deadline(session, referral, now, every)
        request.next_reminder_at = min(next_at, request.decline_at) if request.decline_at else next_at
        reminded += 1
    await session.flush()
    return reminded, declined
