import uuid
from typing import Any

from domain.shared.schemas import Schema, UtcDateTime


class AuditEvent(Schema):
    id: uuid.UUID
    at: UtcDateTime
    actor: str
    actor_kind: str
    action: str
    entity_type: str
    entity_id: str | None
    detail: dict[str, Any]
    request_id: str | None
    client_address: str | None
    outcome: str
    status: int | None
