import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert

from domain.identity.access import organization_scope
from domain.journey.queries import sla_filter
from domain.referrals import schemas, views
from domain.referrals.enums import ReferralStatus, Urgency
from domain.referrals.models import Appointment, Referral, ReferralEvent
from domain.shared.repository import Repository


@dataclass(frozen=True)
class ReferralFilters:
    status: list[ReferralStatus] | None = None
    urgency: list[Urgency] | None = None
    service_line: str | None = None
    referring_provider_id: uuid.UUID | None = None
    referring_organization_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    queue: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    mrn_index: str | None = None
    sla: str | None = None  # at_risk | breached
    # None: live referrals (merged ones left out); flagged: possible duplicates; merged: only merged ones.
    duplicates: str | None = None


INSERT_UNLESS_KNOWN = (
    insert(Referral).on_conflict_do_nothing(index_elements=["source_system", "source_identifier"]).returning(Referral)
)
SORTS = {
    "received_at": Referral.received_at,
    "updated_at": Referral.updated_at,
    "service_line": Referral.service_line,
    "status": Referral.status,
}


class ReferralRepository(Repository[Referral]):
    """Under a partner's organisation scope (domain.identity.access) every read sees that
    organisation's referrals only; anything else is simply not found."""

    model = Referral
    entity_name = "Referral"

    def _scoped(self, stmt: Any) -> Any:
        organization_id = organization_scope(self.session)
        return stmt if organization_id is None else stmt.where(Referral.referring_organization_id == organization_id)

    async def get_or_none(self, row_id: uuid.UUID, *, for_update: bool = False) -> Referral | None:
        if organization_scope(self.session) is None:
            return await super().get_or_none(row_id, for_update=for_update)
        stmt = self._scoped(select(Referral).where(Referral.id == row_id))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def view(self, row_id: uuid.UUID) -> schemas.Referral | None:
        """The API's view of one referral, by explicit columns (no ORM loading), partner scope applied.

        The hottest read of the API: a statement compiled once, run on the session's own asyncpg
        connection (asyncpg prepares and caches it), values decoded by the columns' own types."""
        organization_id = organization_scope(self.session)
        connection = await self.session.connection()
        read = views.compiled_read(connection.dialect, scoped=organization_id is not None)
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None  # None only once the connection is closed, and the session holds it open
        args = (row_id,) if organization_id is None else (row_id, organization_id)
        record = await driver.fetchrow(read.sql, *args)
        return None if record is None else read.view(record)

    async def insert_unless_known(self, values: dict[str, Any]) -> Referral | None:
        """Insert; None when a referral with the same source pair already exists (or is being written).

        The row comes back from the INSERT itself, loaded into the session: no second read."""
        # The values go as parameters, not into the statement: it compiles once and is cached, where
        # values inside it were coerced and hashed anew each time (1.26 -> 0.70 ms of CPU per insert).
        return (await self.session.execute(INSERT_UNLESS_KNOWN, [values])).scalar_one_or_none()

    async def by_source(self, source_system: str, source_identifier: str) -> Referral | None:
        stmt = self._scoped(
            select(Referral).where(
                Referral.source_system == source_system, Referral.source_identifier == source_identifier
            )
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(
        self, filters: ReferralFilters, *, sort: str, descending: bool, limit: int, cursor: str | None
    ) -> tuple[list[Referral], str | None]:
        stmt = self._filtered(select(Referral), filters)
        return await self.paginate(stmt, sort=SORTS[sort], descending=descending, limit=limit, cursor=cursor)

    async def count_by_status(self, filters: ReferralFilters) -> dict[str, int]:
        stmt = self._filtered(select(Referral.status, func.count()), filters).group_by(Referral.status)
        return {ReferralStatus(status).value: n for status, n in await self.session.execute(stmt)}

    async def find_views(
        self, filters: ReferralFilters, *, sort: str, descending: bool, limit: int, cursor: str | None
    ) -> tuple[list[schemas.ReferralListItem], str | None]:
        """`find` as the API shows it: explicit columns, no ORM loading."""
        stmt = self._filtered(select(Referral), filters).with_only_columns(
            *views.LIST_COLUMNS, maintain_column_froms=True
        )
        rows, next_cursor = await self.paginate_rows(
            stmt, sort=SORTS[sort], descending=descending, limit=limit, cursor=cursor
        )
        return [views.list_item_of_row(row) for row in rows], next_cursor

    def _filtered(self, stmt: Any, filters: ReferralFilters) -> Any:
        stmt = self._scoped(stmt)
        if filters.status:
            stmt = stmt.where(Referral.status.in_(filters.status))
        if filters.urgency:
            stmt = stmt.where(Referral.urgency.in_(filters.urgency))
        for column, value in (
            (Referral.service_line, filters.service_line),
            (Referral.referring_provider_id, filters.referring_provider_id),
            (Referral.referring_organization_id, filters.referring_organization_id),
            (Referral.assignee_id, filters.assignee_id),
            (Referral.queue, filters.queue),
            (Referral.patient_mrn_index, filters.mrn_index),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.sla:
            stmt = sla_filter(stmt, filters.sla)
        if filters.duplicates == "merged":
            stmt = stmt.where(Referral.merged_into_id.is_not(None))
        else:
            stmt = stmt.where(Referral.merged_into_id.is_(None))
            if filters.duplicates == "flagged":
                stmt = stmt.where(Referral.possible_duplicate)
        if filters.received_from:
            stmt = stmt.where(Referral.received_at >= filters.received_from)
        if filters.received_to:
            stmt = stmt.where(Referral.received_at < filters.received_to)
        return stmt

    def add_event(self, event: ReferralEvent) -> None:
        self.session.add(event)

    async def events(
        self, referral_id: uuid.UUID, *, limit: int, cursor: str | None
    ) -> tuple[list[ReferralEvent], str | None]:
        # Referrals merged into this one keep their events; its timeline shows them beside its own.
        folded = select(Referral.id).where(Referral.merged_into_id == referral_id)
        stmt = select(ReferralEvent).where(
            or_(ReferralEvent.referral_id == referral_id, ReferralEvent.referral_id.in_(folded))
        )
        return await EventRepository(self.session).paginate(
            stmt, sort=ReferralEvent.at, descending=False, limit=limit, cursor=cursor
        )


class EventRepository(Repository[ReferralEvent]):
    model = ReferralEvent
    entity_name = "Referral event"


class AppointmentRepository(Repository[Appointment]):
    model = Appointment
    entity_name = "Appointment"

    async def booked_for(self, referral_id: uuid.UUID) -> list[Appointment]:
        stmt = select(Appointment).where(Appointment.referral_id == referral_id, Appointment.status == "booked")
        return list((await self.session.execute(stmt)).scalars())

    async def find(
        self, *, referral_id: uuid.UUID | None, status: list[str] | None, limit: int, cursor: str | None
    ) -> tuple[list[Appointment], str | None]:
        stmt = select(Appointment)
        if referral_id:
            stmt = stmt.where(Appointment.referral_id == referral_id)
        if status:
            stmt = stmt.where(Appointment.status.in_(status))
        return await self.paginate(stmt, sort=Appointment.start, descending=False, limit=limit, cursor=cursor)
