"""SQL for the outbox: claiming due rows, leasing one for a send, recording what happened.

Every state change is a conditional UPDATE on (id, version): the version moves with each
claim, so of two workers holding the same message only one can take or settle it.
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Text,
    all_,
    and_,
    any_,
    case,
    func,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outreach.models import MessageTemplate, OutreachPreference, WebhookEndpoint
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.shared.clock import utcnow
from domain.shared.crypto import Encrypted
from domain.shared.db import driver_connection
from domain.shared.ids import uuid7
from domain.shared.outbox import MessageStatus, OutboxMessage
from domain.shared.repository import Repository, bound_array, one_of

_CONTACT_PREFERENCE = "SELECT preferred_contact_method FROM providers WHERE id = $1"
_FIRST_FROM = "SELECT count(*) FROM (SELECT 1 FROM referrals WHERE referring_provider_id = $1 LIMIT 2) AS two"


@dataclass(frozen=True)
class MessageFilters:
    referral_id: uuid.UUID | None = None
    status: list[MessageStatus] | None = None
    channel: str | None = None
    kind: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


# (recipient_type, recipient_id, address, referral_id): who a message goes to, as cadence sees it.
RecipientRef = tuple[str, uuid.UUID | None, str | None, uuid.UUID | None]


@dataclass(frozen=True)
class RecentCount:
    recipient_type: str
    recipient_id: uuid.UUID | None
    address: str | None
    patient_referral_id: uuid.UUID | None
    kind: str
    since_window: int  # sent since the window's start, or in flight
    since_kind_window: int  # sent since the kind's own interval start, or in flight

    def matches(self, ref: RecipientRef) -> bool:
        """The rows `_same_recipient` would pick for `ref` include this group."""
        recipient_type, recipient_id, address, referral_id = ref
        if recipient_type != self.recipient_type:
            return False
        if (patient := _patient_referral(recipient_type, referral_id)) is not None:
            return self.patient_referral_id == patient
        if recipient_id is not None:
            return self.recipient_id == recipient_id
        return self.address == address


@dataclass(frozen=True)
class SentMark:
    id: uuid.UUID
    version: int
    external_id: str | None
    subject: str | None
    body: str | None
    sent_at: datetime  # when the receiver accepted it


class OutboxRepository(Repository[OutboxMessage]):
    model = OutboxMessage
    entity_name = "Message"

    async def claim_due(self, *, limit: int, lease: timedelta) -> list[tuple[uuid.UUID, int]]:
        """Lease up to `limit` due messages to the caller; rows other relays hold are skipped."""
        now = utcnow()
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == MessageStatus.queued,
                OutboxMessage.not_before <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.not_before)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due))
            .values(claimed_until=now + lease, version=OutboxMessage.version + 1)
            .returning(OutboxMessage.id, OutboxMessage.version)
            .execution_options(synchronize_session=False)
        )
        return [(row.id, row.version) for row in await self.session.execute(stmt)]

    async def backlog(self, *, now: datetime) -> list[tuple[str, int, int, datetime | None]]:
        """Per channel: queued messages due now, queued for later, and the oldest due time.
        One pass over the queued rows (the partial index `ix_outbox_due` holds only those)."""
        due = OutboxMessage.not_before <= now
        stmt = (
            select(
                OutboxMessage.channel,
                func.count().filter(due),
                func.count().filter(OutboxMessage.not_before > now),
                func.min(OutboxMessage.not_before).filter(due),
            )
            .where(OutboxMessage.status == MessageStatus.queued)
            .group_by(OutboxMessage.channel)
        )
        return [row._tuple() for row in await self.session.execute(stmt)]

    async def take_for_send(self, message_id: uuid.UUID, version: int, *, lease: timedelta) -> OutboxMessage | None:
        """Start an attempt if the row is still queued at the version the job was given."""
        stmt = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.version == version,
                OutboxMessage.status == MessageStatus.queued,
            )
            .values(
                version=OutboxMessage.version + 1,
                attempts=OutboxMessage.attempts + 1,
                claimed_until=utcnow() + lease,
                updated_at=utcnow(),
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def take_many_for_send(self, pairs: list[tuple[uuid.UUID, int]], *, lease: timedelta) -> list[OutboxMessage]:
        """`take_for_send` for a batch in one statement; rows that moved on are left out."""
        if not pairs:
            return []
        now = utcnow()
        stmt = (
            update(OutboxMessage)
            .where(*_at_versions(pairs), OutboxMessage.status == MessageStatus.queued)
            .values(
                version=OutboxMessage.version + 1,
                attempts=OutboxMessage.attempts + 1,
                claimed_until=now + lease,
                updated_at=now,
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def extend_leases(self, pairs: list[tuple[uuid.UUID, int]], *, lease: timedelta) -> None:
        """Renew the leases of rows still held at these versions; rows that moved on are left alone."""
        stmt = (
            update(OutboxMessage)
            .where(*_at_versions(pairs), OutboxMessage.status == MessageStatus.queued)
            .values(claimed_until=utcnow() + lease)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)

    async def settle(self, message_id: uuid.UUID, version: int, **values: object) -> bool:
        """Record an attempt's outcome; False when someone else owns the row by now."""
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.version == version)
            .values(version=OutboxMessage.version + 1, updated_at=utcnow(), **values)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def settle_sent(self, sent: list[SentMark], *, at: datetime, actor: str) -> set[uuid.UUID]:
        """Mark a batch sent, each on its own (id, version), and add a timeline event for each one marked
        that concerns a referral: one statement. Returns the ids that were marked."""
        if not sent:
            return set()
        # Sealed here as the ORM would: the statement below is plain SQL.
        seal_subject = Encrypted("outbox_messages.sent_subject")
        seal_body = Encrypted("outbox_messages.sent_body")
        params = {
            "ids": [m.id for m in sent],
            "versions": [m.version for m in sent],
            "external_ids": [m.external_id for m in sent],
            "subjects": [seal_subject.process_bind_param(m.subject, None) for m in sent],
            "bodies": [seal_body.process_bind_param(m.body, None) for m in sent],
            "sent_ats": [m.sent_at for m in sent],
            "event_ids": [uuid7() for _ in sent],  # the timeline's ids are made here, as the ORM makes them
            "at": at,
            "actor": actor,
        }
        rows = await self.session.execute(
            text(
                "WITH marked AS ("
                " UPDATE outbox_messages AS o SET status = 'sent', sent_at = v.sent_at, updated_at = :at,"
                " version = o.version + 1, external_id = v.external_id, claimed_until = NULL, last_error = NULL,"
                " sent_subject = v.subject, sent_body = v.body"
                " FROM unnest(CAST(:ids AS uuid[]), CAST(:versions AS integer[]), CAST(:external_ids AS text[]),"
                " CAST(:subjects AS text[]), CAST(:bodies AS text[]), CAST(:sent_ats AS timestamptz[]),"
                " CAST(:event_ids AS uuid[])) AS v(id, version, external_id, subject, body, sent_at, event_id)"
                " WHERE o.id = v.id AND o.version = v.version"
                " RETURNING o.id, o.referral_id, o.kind, o.channel, o.recipient_type, o.attempts, v.external_id,"
                " v.sent_at, v.event_id"
                "), events AS ("
                # The same event delivery.py's timeline writes for a message.
                " INSERT INTO referral_events (id, referral_id, at, actor, kind, detail)"
                " SELECT event_id, referral_id, sent_at, :actor, 'message', jsonb_build_object("
                " 'message_id', id::text, 'kind', kind, 'channel', channel, 'recipient_type', recipient_type,"
                " 'status', 'sent', 'attempts', attempts, 'external_id', external_id)"
                " FROM marked WHERE referral_id IS NOT NULL"
                ") SELECT id FROM marked"
            ),
            params,
        )
        return {row[0] for row in rows}

    async def requeue(self, message_id: uuid.UUID, *, statuses: tuple[MessageStatus, ...]) -> OutboxMessage | None:
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(statuses))
            .values(
                status=MessageStatus.queued,
                not_before=utcnow(),
                claimed_until=None,
                attempts=0,
                last_error=None,
                version=OutboxMessage.version + 1,
                updated_at=utcnow(),
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(
        self, filters: MessageFilters, *, limit: int, cursor: str | None
    ) -> tuple[list[OutboxMessage], str | None]:
        stmt = select(OutboxMessage)
        if filters.referral_id is not None:
            stmt = stmt.where(OutboxMessage.referral_id == filters.referral_id)
        if filters.status:
            stmt = stmt.where(OutboxMessage.status.in_(filters.status))
        if filters.channel is not None:
            stmt = stmt.where(OutboxMessage.channel == filters.channel)
        if filters.kind is not None:
            stmt = stmt.where(OutboxMessage.kind == filters.kind)
        if filters.created_from is not None:
            stmt = stmt.where(OutboxMessage.created_at >= filters.created_from)
        if filters.created_to is not None:
            stmt = stmt.where(OutboxMessage.created_at < filters.created_to)
        return await self.paginate(stmt, sort=OutboxMessage.created_at, descending=True, limit=limit, cursor=cursor)

    # Cadence look-ups: what one recipient already got.

    async def lock_recipient(
        self,
        *,
        recipient_type: str,
        recipient_id: uuid.UUID | None,
        address: str | None,
        referral_id: uuid.UUID | None = None,
    ) -> None:
        """Serialise cadence decisions for one recipient until the caller's transaction ends."""
        await self.lock_recipients([(recipient_type, recipient_id, address, referral_id)])

    async def lock_recipients(self, recipients: Collection[RecipientRef]) -> None:
        """`lock_recipient` for a batch in one statement, in hash order: two batches sharing recipients
        take their locks in the same order and cannot deadlock."""
        keys = sorted({recipient_key(*r) for r in recipients})
        await self.session.execute(
            text(
                "SELECT pg_advisory_xact_lock(h) FROM "
                "(SELECT DISTINCT hashtext(k) AS h FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS ordered"
            ),
            {"keys": keys},
        )

    async def sent_since(
        self,
        *,
        recipient_type: str,
        recipient_id: uuid.UUID | None,
        address: str | None,
        since: datetime,
        kind: str | None = None,
        exclude: uuid.UUID | Collection[uuid.UUID] | None = None,
        referral_id: uuid.UUID | None = None,
    ) -> int:
        """Sent in the window, plus attempts in flight (taken and not yet settled) that would count."""
        stmt = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                or_(and_(OutboxMessage.status == MessageStatus.sent, OutboxMessage.sent_at >= since), _in_flight()),
                _same_recipient(recipient_type, recipient_id, address, referral_id),
            )
        )
        if isinstance(exclude, uuid.UUID):
            stmt = stmt.where(OutboxMessage.id != exclude)
        elif exclude:
            stmt = stmt.where(OutboxMessage.id.not_in(list(exclude)))
        if kind is not None:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return int(await self.session.scalar(stmt) or 0)

    async def recent_counts(
        self,
        recipients: Collection[RecipientRef],
        *,
        since: datetime,
        kind_since: dict[str, datetime],
        exclude: Collection[uuid.UUID],
    ) -> list[RecentCount]:
        """`sent_since` for a batch's recipients in one query: per recipient and kind, how many were sent
        since `since` and since the kind's own `kind_since` (in-flight attempts count in both).

        The batch's values travel as arrays, so the statement has one shape whatever the batch holds
        (compiled and planned once, not once per batch). The arrays pick a superset of the rows (every
        type beside every id); `RecentCount.matches` keeps each recipient's own."""
        sent = OutboxMessage.status == MessageStatus.sent
        kinds = list(kind_since)
        kind_start = bound_array("kind_starts", [kind_since[k] for k in kinds], DateTime(timezone=True))[
            func.array_position(bound_array("kinds", kinds, Text()), OutboxMessage.kind)
        ]
        earliest = min([since, *kind_since.values()])
        patient = case((OutboxMessage.recipient_type == "patient", OutboxMessage.referral_id), else_=null())
        keys = (
            OutboxMessage.recipient_type,
            OutboxMessage.recipient_id,
            OutboxMessage.recipient_address,
            patient,
            OutboxMessage.kind,
        )
        stmt = (
            select(
                *keys,
                func.count().filter(or_(_in_flight(), and_(sent, OutboxMessage.sent_at >= since))),
                func.count().filter(or_(_in_flight(), and_(sent, OutboxMessage.sent_at >= kind_start))),
            )
            .where(
                or_(and_(sent, OutboxMessage.sent_at >= earliest), _in_flight()),
                or_(*_any_recipient(recipients)),
                OutboxMessage.id != all_(bound_array("exclude", list(exclude), OutboxMessage.id.type)),
            )
            .group_by(*keys)
        )
        return [RecentCount(*row) for row in await self.session.execute(stmt)]

    async def held_back(self, *, rules: tuple[str, ...], limit: int) -> list[OutboxMessage]:
        """Suppressed messages a digest has not carried yet, oldest first."""
        stmt = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MessageStatus.suppressed,
                OutboxMessage.suppressed_rule.in_(rules),
                OutboxMessage.digest_id.is_(None),
            )
            .order_by(
                OutboxMessage.recipient_type,
                OutboxMessage.recipient_id,
                OutboxMessage.recipient_address,
                OutboxMessage.created_at,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def mark_digested(self, ids: list[uuid.UUID], digest_id: uuid.UUID) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(digest_id=digest_id)
            .execution_options(synchronize_session=False)
        )

    async def by_ids(self, ids: list[uuid.UUID]) -> list[OutboxMessage]:
        stmt = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.created_at)
        return list((await self.session.execute(stmt)).scalars())


def _in_flight() -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status == MessageStatus.queued,
        OutboxMessage.attempts > 0,
        OutboxMessage.claimed_until > utcnow(),
    )


def recipient_key(
    recipient_type: str, recipient_id: uuid.UUID | None, address: str | None, referral_id: uuid.UUID | None
) -> str:
    """One string per recipient as cadence counts them (a patient is their referral)."""
    return f"outreach:{recipient_type}:{_patient_referral(recipient_type, referral_id) or recipient_id or address}"


def _patient_referral(recipient_type: str, referral_id: uuid.UUID | None) -> uuid.UUID | None:
    # A patient has no row of their own: their referral stands for them. Without it, every patient
    # (no id, no address) would count as one recipient, and one reminder would hold back all others.
    return referral_id if recipient_type == "patient" else None


def _at_versions(pairs: list[tuple[uuid.UUID, int]]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Rows still at these (id, version) pairs, as two arrays: one statement shape for any batch."""
    ids = bound_array("ids", [i for i, _ in pairs], OutboxMessage.id.type)
    versions = bound_array("versions", [v for _, v in pairs], Integer())
    return OutboxMessage.id == any_(ids), OutboxMessage.version == versions[func.array_position(ids, OutboxMessage.id)]


def _any_recipient(recipients: Collection[RecipientRef]) -> list[ColumnElement[bool]]:
    """Conditions that pick every row `_same_recipient` would for any of `recipients` (and some more):
    one per way of naming a recipient the batch uses, so each may use its index."""
    patients, typed_ids, typed_addresses = set(), set(), set()
    for recipient_type, recipient_id, address, referral_id in recipients:
        if (patient := _patient_referral(recipient_type, referral_id)) is not None:
            patients.add(patient)
        elif recipient_id is not None:
            typed_ids.add((recipient_type, recipient_id))
        else:
            typed_addresses.add((recipient_type, address))
    arms = []
    if patients:
        arms.append(
            and_(
                OutboxMessage.recipient_type == "patient", one_of(OutboxMessage.referral_id, "patients", list(patients))
            )
        )
    by_id = (OutboxMessage.recipient_id, "ids", typed_ids)
    for column, name, typed in (by_id, (OutboxMessage.recipient_address, "addresses", typed_addresses)):
        if typed:
            types, values = zip(*typed, strict=True)
            arms.append(
                and_(
                    one_of(OutboxMessage.recipient_type, f"{name}_types", sorted(set(types))),
                    one_of(column, name, list(values)),
                )
            )
    return arms


def _same_recipient(
    recipient_type: str, recipient_id: uuid.UUID | None, address: str | None, referral_id: uuid.UUID | None = None
) -> ColumnElement[bool]:
    if (patient := _patient_referral(recipient_type, referral_id)) is not None:
        return and_(OutboxMessage.recipient_type == recipient_type, OutboxMessage.referral_id == patient)
    if recipient_id is not None:
        return and_(OutboxMessage.recipient_type == recipient_type, OutboxMessage.recipient_id == recipient_id)
    return and_(OutboxMessage.recipient_type == recipient_type, OutboxMessage.recipient_address == address)


# Where `load_preferences` leaves a batch's preferences in the session, keyed by provider id.
PREFERENCES_KEY = "outreach.preferences"


class LookupRepository:
    """Reads the rows a message is rendered from."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest_event_note(
        self, referral_id: uuid.UUID, *, to_status: str | None = None, kind: str | None = None
    ) -> str | None:

        stmt = select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
        if to_status is not None:
            stmt = stmt.where(ReferralEvent.to_status == to_status)
        if kind is not None:
            stmt = stmt.where(ReferralEvent.kind == kind)
        stmt = stmt.where(ReferralEvent.note.is_not(None)).order_by(ReferralEvent.at.desc()).limit(1)
        event = (await self.session.execute(stmt)).scalar_one_or_none()
        return event.note if event else None

    async def latest_request(self, referral_id: uuid.UUID, *, to_status: str) -> ReferralEvent | None:
        """The latest move to `to_status`: its checklist and note say what was asked."""
        stmt = (
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral_id, ReferralEvent.to_status == to_status)
            .order_by(ReferralEvent.at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def latest_appointment(self, referral_id: uuid.UUID) -> Appointment | None:

        stmt = (
            select(Appointment)
            .where(Appointment.referral_id == referral_id)
            .order_by(Appointment.start.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def referrals_by_ids(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Referral]:

        rows = (await self.session.execute(select(Referral).where(Referral.id.in_(ids)))).scalars()
        return {r.id: r for r in rows}

    async def template(self, kind: str, channel: str) -> MessageTemplate | None:

        stmt = select(MessageTemplate).where(MessageTemplate.kind == kind, MessageTemplate.channel == channel)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def preference(self, provider_id: uuid.UUID) -> OutreachPreference | None:
        loaded: dict[uuid.UUID, OutreachPreference | None] = self.session.info.get(PREFERENCES_KEY, {})
        if provider_id in loaded:
            return loaded[provider_id]

        stmt = select(OutreachPreference).where(OutreachPreference.provider_id == provider_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def load_preferences(self, provider_ids: Collection[uuid.UUID]) -> None:
        """One query for a batch's recipients; `preference` then answers from the session (None included)."""
        stmt = select(OutreachPreference).where(one_of(OutreachPreference.provider_id, "ids", list(provider_ids)))
        found = {p.provider_id: p for p in (await self.session.execute(stmt)).scalars()}
        self.session.info.setdefault(PREFERENCES_KEY, {}).update({i: found.get(i) for i in provider_ids})

    async def endpoints_for(self, organization_id: uuid.UUID) -> list[WebhookEndpoint]:

        stmt = select(WebhookEndpoint).where(
            WebhookEndpoint.organization_id == organization_id, WebhookEndpoint.active.is_(True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def contact_preference(self, provider_id: uuid.UUID) -> Mapping[str, Any] | None:
        """The referrer's preferred contact method (None when the provider is gone): on every intake and move,
        read on the driver's connection rather than loading the whole provider."""
        driver = await driver_connection(self.session, read=True)
        return cast(Mapping[str, Any] | None, await driver.fetchrow(_CONTACT_PREFERENCE, provider_id))

    async def is_first_referral_from(self, provider_id: uuid.UUID) -> bool:
        # Two rows answer the question; counting a heavy referrer's thousands cost ~100 ms per intake.
        # Every intake asks: on the driver's connection, without SQLAlchemy's statement layers.
        driver = await driver_connection(self.session, read=True)
        return bool(await driver.fetchval(_FIRST_FROM, provider_id) == 1)
