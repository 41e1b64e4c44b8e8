import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, computed_field

from domain.outreach import words
from domain.outreach.kinds import Channel, MessageKind
from domain.shared.outbox import MessageStatus
from domain.shared.schemas import Schema, UtcDateTime


class Message(Schema):
    id: uuid.UUID
    channel: str
    kind: str
    recipient_type: str
    recipient_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    status: MessageStatus
    suppressed_rule: str | None = Field(description="The cadence rule that held a suppressed message back.")
    digest_id: uuid.UUID | None = Field(description="The digest that later carried this suppressed message.")
    attempts: int
    max_attempts: int
    last_error: str | None
    not_before: UtcDateTime = Field(description="Not sent before this time (retry backoff, reminders, quiet hours).")
    sent_at: UtcDateTime | None
    external_id: str | None = Field(description="The id the receiver saw: Message-ID, webhook-id.")
    created_at: UtcDateTime
    updated_at: UtcDateTime

    # pydantic's documented form, which mypy cannot follow (a decorator over a property).
    @computed_field(description="What the message is, in words.")  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str:
        return words.kind_words(self.kind)

    @computed_field(description="Why a suppressed message was held back, in words; null unless suppressed_rule is set.")  # type: ignore[prop-decorator]
    @property
    def suppression_reason(self) -> str | None:
        return words.suppression_reason(self.suppressed_rule)


class MessageDetail(Message):
    recipient_name: str | None = Field(description="Who it is for, by name; '[patient]' when patient data is hidden.")
    recipient_address: str | None = Field(
        description="The address or number it goes to; hidden for a patient "
        "recipient when the caller may not see patient data."
    )
    subject: str | None = Field(description="Rendered subject (email).")
    body: str | None = Field(
        description="The text: as sent (`rendering: as_sent`), or for an unsent message a "
        "preview from the current template and records; null for structured "
        "channels (webhook, FHIR) or when it cannot be rendered."
    )
    rendering: Literal["as_sent", "preview"] | None = Field(
        description="as_sent: the words exactly as they went out, kept sealed at send time. preview: rendered now "
        "from the current template (unsent, sent before words were kept, or patient data hidden)."
    )
    content_note: str | None = Field(description="Why there is no body, or how it was rendered.")
    phi_hidden: bool = Field(
        description="true: patient names and details were replaced with placeholders for this caller's role."
    )


TemplateText = Annotated[str, Field(min_length=1, max_length=20_000)]


class TemplateBody(Schema):
    subject: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Email only; Jinja2 like the body."
    )
    body: TemplateText


class TemplateSave(TemplateBody):
    kind: MessageKind
    channel: Channel = Channel.email


class Template(Schema):
    kind: MessageKind
    channel: Channel
    subject: str | None
    body: str
    customised: bool = Field(description="false: the built-in wording is in use.")
    version: int | None = None
    updated_at: UtcDateTime | None = None


class PreviewRequest(TemplateSave):
    pass


class Preview(Schema):
    subject: str | None
    body: str
    variables: dict[str, Any] = Field(description="The sample values the template was rendered with.")


class WebhookEndpointCreate(Schema):
    organization_id: uuid.UUID
    url: HttpUrl
    kinds: list[MessageKind] = Field(default_factory=list, description="Empty: every kind.")


class WebhookEndpoint(Schema):
    id: uuid.UUID
    organization_id: uuid.UUID | None
    url: str
    kinds: list[str]
    active: bool
    created_at: UtcDateTime


class WebhookEndpointUpdate(Schema):
    """Every field optional. `active: false` stops deliveries at once: queued messages fail with a reason."""

    active: bool | None = None
    url: HttpUrl | None = None
    kinds: list[MessageKind] | None = Field(default=None, description="Empty: every kind.")


class WebhookDelivery(Schema):
    """One message sent (or being sent) to an endpoint."""

    id: uuid.UUID
    kind: str
    referral_id: uuid.UUID | None
    status: MessageStatus
    attempts: int
    max_attempts: int
    last_error: str | None
    response_code: int | None = Field(description="The endpoint's HTTP status when it refused the last attempt.")
    external_id: str | None = Field(description="The webhook-id the endpoint saw.")
    not_before: UtcDateTime
    sent_at: UtcDateTime | None
    created_at: UtcDateTime


class WebhookEndpointCreated(WebhookEndpoint):
    secret: str = Field(description="Shown once: verify `webhook-signature` with it (Standard Webhooks).")
