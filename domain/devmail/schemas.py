import uuid

from pydantic import Field

from domain.shared.schemas import Schema, UtcDateTime


class CapturedMailSummary(Schema):
    id: uuid.UUID
    received_at: UtcDateTime
    mail_from: str
    rcpt_to: list[str]
    subject: str
    message_id: str | None
    size: int = Field(description="Bytes as received.")


class CapturedMail(CapturedMailSummary):
    headers: list[list[str]] = Field(description="[name, value] pairs in the order received.")
    body: str = Field(description="The plain-text part (or the HTML part when there is no plain one).")
