"""Resources received over FHIR that have no home of their own in the domain.

Patients sent ahead of a referral (so a later ServiceRequest can point at them)
and the originals of directory resources, keyed by the id the sender used, so a
reference such as `Practitioner/practitioner-1` keeps meaning the same entry.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.clock import utcnow
from domain.shared.crypto import EncryptedJSON
from domain.shared.db import Base
from domain.shared.models import VersionMixin


class FhirResource(VersionMixin, Base):
    __tablename__ = "fhir_resources"

    resource_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The directory rows this resource maps to (a Patient has neither).
    provider_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("providers.id"))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("organizations.id"))
    # Sealed: a Patient is PHI, and one rule for every row keeps it simple.
    resource: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("fhir_resources.resource"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_fhir_resources_provider", "provider_id"),
        Index("ix_fhir_resources_organization", "organization_id"),
    )
