"""Routing: admin CRUD for rules, routing at intake, dry runs and reapplying. Never commits."""

import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.journey import config, schemas, sla
from domain.journey.models import RoutingRule, WorkQueue
from domain.journey.routing_rules import CONDITION_FIELDS, first_match, least_open_pick, round_robin_pick
from domain.referrals.enums import EventKind
from domain.referrals.lifecycle import OPEN_STATUSES
from domain.referrals.models import Referral, ReferralEvent
from domain.shared.errors import InvalidInput, NotFound, PreconditionFailed


async def referrer_tier(session: AsyncSession, provider_id: uuid.UUID | None) -> str | None:
    """The referrer's tier (A-D) from the relationships context. No tier is known yet for any referrer,
    so a rule with a tier condition matches nobody until that context provides one here."""
    return None


# Admin CRUD.


async def _check_queue(session: AsyncSession, queue_id: uuid.UUID) -> None:
    if await session.get(WorkQueue, queue_id) is None:
        raise InvalidInput(f"Work queue {queue_id} does not exist.", field="body.queue_id")


def _values(data: schemas.RoutingRuleWrite) -> dict[str, Any]:
    values = data.model_dump(mode="json")
    values["conditions"] = data.conditions.model_dump(mode="json", exclude_none=True)
    values["queue_id"] = data.queue_id
    return values


async def list_rules(session: AsyncSession) -> list[RoutingRule]:
    stmt = select(RoutingRule).order_by(RoutingRule.position, RoutingRule.created_at)
    return list((await session.execute(stmt)).scalars())


async def get_rule(session: AsyncSession, rule_id: uuid.UUID, *, for_update: bool = False) -> RoutingRule:
    row = await session.get(RoutingRule, rule_id, with_for_update=for_update)
    if row is None:
        raise NotFound("Routing rule", rule_id)
    return row


async def create_rule(session: AsyncSession, *, data: schemas.RoutingRuleWrite) -> RoutingRule:
    await _check_queue(session, data.queue_id)
    row = RoutingRule(**_values(data), version=1)
    session.add(row)
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.routing_rule_create", "routing_rule", row.id)
    return row


async def replace_rule(
    session: AsyncSession, *, rule_id: uuid.UUID, data: schemas.RoutingRuleWrite, expected_version: int
) -> RoutingRule:
    """Applies to referrals routed from now on; nothing already routed moves (see reapply)."""
    row = await get_rule(session, rule_id, for_update=True)
    if row.version != expected_version:
        raise PreconditionFailed(f"The rule changed since you read it (version {row.version}); read it again.")
    await _check_queue(session, data.queue_id)
    for name, value in _values(data).items():
        setattr(row, name, value)
    row.version += 1
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.routing_rule_update", "routing_rule", row.id)
    return row


async def delete_rule(session: AsyncSession, *, rule_id: uuid.UUID) -> None:
    row = await get_rule(session, rule_id, for_update=True)
    await session.delete(row)
    await session.flush()
    await config.bump(session)
    audit.note(session, "settings.routing_rule_delete", "routing_rule", rule_id)


# Matching and assigning.


async def _facts(session: AsyncSession, source: Any, rules: list[Any]) -> dict[str, Any]:
    facts = {attr: getattr(source, attr, None) for attr in CONDITION_FIELDS.values() if attr != "referrer_tier"}
    if any("referrer_tier" in r.conditions for r in rules):
        facts["referrer_tier"] = await referrer_tier(session, getattr(source, "referring_provider_id", None))
    return facts


_TAKE_TURN = text("UPDATE work_queues SET turn = turn + 1 WHERE id = :id RETURNING turn")


async def _open_counts(session: AsyncSession, members: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(Referral.assignee_id, func.count())
        .where(Referral.assignee_id.in_(members), Referral.status.in_(OPEN_STATUSES))
        .group_by(Referral.assignee_id)
    )
    # The filter on members already leaves out NULL assignees; the check is for the type.
    return {assignee: count for assignee, count in (await session.execute(stmt)).all() if assignee is not None}


async def pick_assignee(
    session: AsyncSession, rule: Any, settings: config.Settings, *, take_turn: bool
) -> tuple[str, uuid.UUID | None]:
    """The queue's name and who gets the referral. Taking a turn locks the queue row until commit,
    so simultaneous intakes into one queue take turns in order."""
    members = settings.members.get(rule.queue_id, [])
    name = settings.queue_names[rule.queue_id]
    if rule.strategy == "round_robin":
        if take_turn:
            turn = (await session.execute(_TAKE_TURN, {"id": rule.queue_id})).scalar_one()
        else:
            turn = (await session.execute(select(WorkQueue.turn + 1).where(WorkQueue.id == rule.queue_id))).scalar_one()
        return name, round_robin_pick(members, turn) if members else None
    stmt = select(WorkQueue.id).where(WorkQueue.id == rule.queue_id)
    await session.execute(stmt.with_for_update() if take_turn else stmt)
    return name, least_open_pick(members, await _open_counts(session, members)) if members else None


async def route(
    session: AsyncSession, referral: Referral, *, actor: str, settings: config.Settings | None = None
) -> bool:
    """Put the referral in the first matching rule's queue with an assignee; False when no rule matches."""
    settings = settings or await config.current(session)
    if not settings.rules:
        return False
    match, _ = first_match(settings.rules, await _facts(session, referral, settings.rules))
    if match is None:
        return False
    queue, assignee = await pick_assignee(session, match.rule, settings, take_turn=True)
    referral.queue, referral.assignee_id = queue, assignee
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            actor=actor,
            kind=EventKind.assigned,
            detail={
                "fields": ["assignee_id", "queue"],
                "routing_rule_id": str(match.rule.id),
                "routing_rule": match.rule.name,
                "queue": queue,
                "strategy": match.rule.strategy,
                "reasons": [c.reason for c in match.checks],
            },
        )
    )
    return True


async def dry_run(session: AsyncSession, *, probe: schemas.RoutingProbe) -> schemas.DryRunResult:
    settings = await config.current(session)
    facts = await _facts(session, probe, settings.rules)
    match, seen = first_match(settings.rules, facts)
    queue = assignee = None
    if match is not None:
        queue, assignee = await pick_assignee(session, match.rule, settings, take_turn=False)
    return schemas.DryRunResult(
        matched_rule_id=match.rule.id if match else None,
        queue=queue,
        strategy=match.rule.strategy if match else None,
        next_assignee_id=assignee,
        referrer_tier=facts.get("referrer_tier"),
        evaluations=[
            schemas.RuleEvaluation(
                rule_id=e.rule.id, name=e.rule.name, matched=e.matched, reasons=[c.reason for c in e.checks]
            )
            for e in seen
        ],
    )


async def reapply(session: AsyncSession, *, request: schemas.ReapplyRequest, actor: str) -> schemas.ReapplyResult:
    """Route open referrals again by today's rules: unassigned ones only, unless asked for all."""
    settings = await config.current(session)
    stmt = select(Referral).where(Referral.status.in_(OPEN_STATUSES))
    if not request.include_assigned:
        stmt = stmt.where(Referral.assignee_id.is_(None))
    stmt = stmt.order_by(Referral.received_at).limit(request.limit).with_for_update(skip_locked=True)
    referrals = list((await session.execute(stmt)).scalars())
    moved = 0
    for referral in referrals:
        before = (referral.queue, referral.assignee_id)
        if (
            await route(session, referral, actor=actor, settings=settings)
            and (referral.queue, referral.assignee_id) != before
        ):
            referral.version += 1
            await sla.on_referral_changed(session, referral)
            moved += 1
    await session.flush()
    audit.note(session, "settings.routing_reapply", "routing_rule", None, examined=len(referrals), moved=moved)
    return schemas.ReapplyResult(examined=len(referrals), moved=moved)
