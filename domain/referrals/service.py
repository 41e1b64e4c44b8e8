"""Referral use cases. Each takes the caller's session and never commits it."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import trail as audit
from domain.fhir import push as fhir_push
from domain.identity.access import organization_scope
from domain.identity.colleagues import assignable_user_exists
from domain.journey import intake as journey
from domain.outreach import triggers as outreach
from domain.portal.accounts import check_referring_provider
from domain.referrals import duplicates, schemas
from domain.referrals.enums import EventKind, ReferralStatus, SourceChannel
from domain.referrals.errors import ReasonRequired, ReferralMerged, TransitionNotAllowed
from domain.referrals.indexes import patient_indexes
from domain.referrals.lifecycle import MILESTONE_COLUMN, REOPEN_CLEARS, allowed_moves, reason_enum
from domain.referrals.models import Referral, ReferralEvent
from domain.referrals.repository import ReferralFilters, ReferralRepository
from domain.referrals.schemas import ContactAttemptCreate, NoteCreate, PatientUpdate, ReferralCreate, ReferralUpdate
from domain.shared import idempotency
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from domain.shared.ids import uuid7


@dataclass(frozen=True)
class Created:
    referral: Referral
    created: bool  # False when a resend matched an earlier referral


def _patient_columns(patient: PatientUpdate) -> dict[str, object]:
    fields = patient.model_dump(exclude_unset=True, mode="json")
    if "birth_date" in fields:
        fields["birth_date"] = patient.birth_date
    return {f"patient_{name}": value for name, value in fields.items()}


def _refresh_blind_indexes(referral: Referral) -> None:
    for column, value in indexes_of(referral).items():
        setattr(referral, column, value)


def indexes_of(referral: Referral) -> dict[str, str | None]:
    return patient_indexes(
        family_name=referral.patient_family_name,
        given_name=referral.patient_given_name,
        birth_date=referral.patient_birth_date,
        mrn=referral.patient_mrn,
        phone=referral.patient_phone,
    )


async def create_referral(
    session: AsyncSession,
    *,
    data: ReferralCreate,
    actor: str,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
    referral_id: uuid.UUID | None = None,
    fhir_resource: dict[str, Any] | None = None,
    fhir_client: str | None = None,
) -> Created:
    """`referral_id` is a client-assigned id (FHIR update-as-create); `fhir_resource` the original it came as."""
    repo = ReferralRepository(session)
    partner_org = organization_scope(session)
    if partner_org is not None:
        # A partner key refers for its own organisation, whatever the body says.
        # A portal user (signed in as a person) the same, through the portal.
        channel = SourceChannel.partner_api if actor.startswith("partner:") else SourceChannel.portal
        data = data.model_copy(update={"referring_organization_id": partner_org, "source_channel": channel})
        if channel is SourceChannel.portal:
            await check_referring_provider(session, organization_id=partner_org, provider_id=data.referring_provider_id)
    if idempotency_key:
        scope = idempotency_scope or actor
        earlier = await idempotency.claim(
            session, scope=scope, key=idempotency_key, payload=data.model_dump(mode="json")
        )
        if earlier is not None:
            audit.note(session, "referral.create", "referral", earlier, resent=True)
            return Created(await repo.get(earlier), created=False)

    now = utcnow()
    values = data.model_dump(exclude={"patient"}, exclude_unset=False)
    values.update(_patient_columns(data.patient))
    values.update(
        id=referral_id or uuid7(),
        received_at=data.received_at or now,
        created_at=now,
        updated_at=now,
        version=1,
        status=ReferralStatus.received,
        no_show_count=0,
    )
    values.update(
        patient_indexes(
            family_name=data.patient.family_name,
            given_name=data.patient.given_name,
            birth_date=data.patient.birth_date,
            mrn=data.patient.mrn,
            phone=data.patient.phone,
        )
    )
    if fhir_resource is not None:
        values["fhir_resource"] = fhir_resource
        values["fhir_client"] = fhir_client
    referral = await repo.insert_unless_known(values)
    if referral is None:
        # The same source pair arrived before (or at the same moment): that referral is this one.
        existing = await repo.by_source(data.source_system or "", data.source_identifier or "")
        if existing is None:  # held by another partner's organisation: not this caller's to see
            raise Conflict(
                "Another referral already uses this source_system and source_identifier.",
                errors=[{"field": "body.source_identifier", "message": "already used"}],
            )
        audit.note(session, "referral.create", "referral", existing.id, resent=True)
        return Created(existing, created=False)

    new_id = referral.id
    repo.add_event(
        ReferralEvent(
            referral_id=new_id,
            at=now,
            actor=actor,
            kind=EventKind.created,
            to_status=ReferralStatus.received,
            detail={"source_channel": data.source_channel.value},
        )
    )
    if idempotency_key:
        await idempotency.record(session, scope=idempotency_scope or actor, key=idempotency_key, resource_id=new_id)
    await duplicates.flag_at_intake(session, referral, actor=actor)
    await journey.on_intake(session, referral, actor=actor)
    audit.note(session, "referral.create", "referral", new_id)
    await outreach.on_referral_created(session, referral=referral)
    return Created(referral, created=True)


async def get_referral(session: AsyncSession, *, referral_id: uuid.UUID, reveal: bool = False) -> schemas.Referral:
    """The referral as the API shows it: read by explicit columns, no ORM loading (a read-only view)."""
    referral = await ReferralRepository(session).view(referral_id)
    if referral is None:
        raise NotFound("Referral", referral_id)
    # A person asking to see the masked patient block is recorded as such, not as a plain read.
    audit.note(session, "referral.reveal" if reveal else "referral.read", "referral", referral.id)
    return referral


async def list_referrals(
    session: AsyncSession, *, filters: ReferralFilters, sort: str, descending: bool, limit: int, cursor: str | None
) -> tuple[list[schemas.ReferralListItem], str | None]:
    items, next_cursor = await ReferralRepository(session).find_views(
        filters, sort=sort, descending=descending, limit=limit, cursor=cursor
    )
    audit.note_list(session, "referral", [r.id for r in items])
    return items, next_cursor


async def count_referrals(session: AsyncSession, *, filters: ReferralFilters) -> dict[str, int]:
    """Referrals per status under the list's filters; every status present, zero when none."""
    found = await ReferralRepository(session).count_by_status(filters)
    return {status.value: found.get(status.value, 0) for status in ReferralStatus}


async def _locked(session: AsyncSession, referral_id: uuid.UUID, expected_version: int | None) -> Referral:
    referral = await ReferralRepository(session).get(referral_id, for_update=True)
    if referral.merged_into_id is not None:
        raise ReferralMerged(referral.id, referral.merged_into_id)
    if expected_version is not None and referral.version != expected_version:
        raise PreconditionFailed(
            f"The referral changed since you read it (version {referral.version}, you sent {expected_version}); "
            "read it again and reapply your change."
        )
    return referral


async def _check_assignable(session: AsyncSession, user_id: uuid.UUID) -> None:
    if not await assignable_user_exists(session, user_id):
        raise InvalidInput(
            f"User {user_id} is not an active colleague who can take referrals.", field="body.assignee_id"
        )


async def update_referral(
    session: AsyncSession, *, referral_id: uuid.UUID, data: ReferralUpdate, expected_version: int, actor: str
) -> Referral:
    referral = await _locked(session, referral_id, expected_version)
    changes = data.model_dump(exclude_unset=True, exclude={"patient"})
    if data.patient is not None:
        changes.update(_patient_columns(data.patient))
    changed = sorted(name for name, value in changes.items() if getattr(referral, name) != value)
    if not changed:
        return referral
    if "assignee_id" in changed and changes["assignee_id"] is not None:
        await _check_assignable(session, changes["assignee_id"])
    for name in changed:
        setattr(referral, name, changes[name])
    if any(name.startswith("patient_") for name in changed):
        _refresh_blind_indexes(referral)
    referral.version += 1
    kind = EventKind.assigned if set(changed) <= {"assignee_id", "queue"} else EventKind.updated
    # The timeline names what changed, never the patient values themselves (ids and queues are not PHI).
    detail: dict[str, Any] = {"fields": changed}
    if kind is EventKind.assigned:
        detail.update(assignee_id=str(referral.assignee_id) if referral.assignee_id else None, queue=referral.queue)
    ReferralRepository(session).add_event(
        ReferralEvent(
            referral_id=referral.id,
            actor=actor,
            kind=kind,
            detail=detail,
        )
    )
    await session.flush()
    if any(name.startswith("patient_") or name == "service_line" for name in changed):
        # A corrected name or service line may reveal the duplicate the typo hid.
        await duplicates.flag_at_intake(session, referral, actor=actor)
    await journey.on_referral_edited(session, referral)
    audit.note(session, "referral.update", "referral", referral.id, fields=changed)
    return referral


def _move(referral: Referral, to: ReferralStatus, reason: str | None) -> None:
    current = ReferralStatus(referral.status)
    if to not in allowed_moves(current):
        raise TransitionNotAllowed(current.value, to.value, [s.value for s in allowed_moves(current)])
    reasons = reason_enum(current, to)
    if reasons is not None and reason not in {r.value for r in reasons}:
        raise ReasonRequired(to.value, [r.value for r in reasons], reason)
    now = utcnow()
    if to is ReferralStatus.received and current in REOPEN_CLEARS:
        setattr(referral, REOPEN_CLEARS[current], None)
    referral.status = to
    referral.status_reason = reason if reasons is not None else None
    milestone = MILESTONE_COLUMN[to]
    if getattr(referral, milestone) is None:
        setattr(referral, milestone, now)
    if to is ReferralStatus.scheduled and referral.first_contact_at is None:
        referral.first_contact_at = now
    referral.updated_at = now
    referral.version += 1


async def apply_transition(
    session: AsyncSession,
    referral: Referral,
    *,
    to: ReferralStatus,
    reason: str | None,
    note: str | None,
    actor: str,
    detail: dict[str, Any] | None = None,
    missing_items: list[str] | None = None,
) -> None:
    """Move a referral already locked by the caller, and put the move on its timeline."""
    before = ReferralStatus(referral.status)
    _move(referral, to, reason)
    await journey.on_referral_changed(session, referral)
    ReferralRepository(session).add_event(
        ReferralEvent(
            referral_id=referral.id,
            actor=actor,
            kind=EventKind.transition,
            from_status=before,
            to_status=to,
            reason=reason,
            note=note,
            detail=detail or {},
            missing_items=missing_items or None,
        )
    )
    audit.note(session, "referral.transition", "referral", referral.id, to=to.value)
    await outreach.on_transition(session, referral=referral, to=to)
    await fhir_push.on_referral_changed(session, referral=referral)


async def transition(
    session: AsyncSession,
    *,
    referral_id: uuid.UUID,
    to: ReferralStatus,
    reason: str | None,
    note: str | None,
    actor: str,
    expected_version: int | None = None,
    missing_items: list[str] | None = None,
) -> Referral:
    referral = await _locked(session, referral_id, expected_version)
    await apply_transition(session, referral, to=to, reason=reason, note=note, actor=actor, missing_items=missing_items)
    await session.flush()
    return referral


async def record_contact_attempt(
    session: AsyncSession, *, referral_id: uuid.UUID, data: ContactAttemptCreate, actor: str
) -> ReferralEvent:
    referral = await _locked(session, referral_id, None)
    now = utcnow()
    if referral.first_contact_at is None:
        referral.first_contact_at = now
        referral.version += 1
        await journey.on_referral_changed(session, referral)
    detail: dict[str, Any] = {"channel": data.channel, "reached": data.reached}
    if data.outcome is not None:
        detail["outcome"] = data.outcome.value
    event = ReferralEvent(
        referral_id=referral.id,
        at=now,
        actor=actor,
        kind=EventKind.contact_attempt,
        note=data.note,
        detail=detail,
    )
    ReferralRepository(session).add_event(event)
    await session.flush()
    audit.note(session, "referral.contact_attempt", "referral", referral.id)
    return event


async def add_note(session: AsyncSession, *, referral_id: uuid.UUID, data: NoteCreate, actor: str) -> ReferralEvent:
    """A free-standing note on the timeline; it changes nothing else on the referral."""
    referral = await ReferralRepository(session).get(referral_id)
    event = ReferralEvent(referral_id=referral.id, at=utcnow(), actor=actor, kind=EventKind.note, note=data.text)
    ReferralRepository(session).add_event(event)
    await session.flush()
    audit.note(session, "referral.note", "referral", referral.id)
    return event


async def list_events(
    session: AsyncSession, *, referral_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[ReferralEvent], str | None]:
    repo = ReferralRepository(session)
    await repo.get(referral_id)
    audit.note(session, "referral.events", "referral", referral_id)
    return await repo.events(referral_id, limit=limit, cursor=cursor)
