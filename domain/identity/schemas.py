import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, StringConstraints, model_validator

from domain.identity.enums import Role
from domain.shared.schemas import Schema, UtcDateTime

# Sign-in e-mails; internal domains such as `.local` are common in hospitals, so no deliverability check.
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Queue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Scope = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

# What a partner key may be allowed to do; a key without scopes gets all of them.
PARTNER_SCOPES = ("referrals:read", "referrals:write", "catalog:read")


class TokenPair(Schema):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(Schema):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class Me(Schema):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    queue: str | None
    password_change_required: bool = Field(
        default=False, description="true: an administrator set this password; choose a new one before anything else."
    )


class PasswordChange(Schema):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Password = Field(description="At least 12 characters, different from the current one.")


class UserCreate(Schema):
    email: Email
    full_name: Name
    role: Role
    password: Password = Field(
        description="At least 12 characters: a temporary password the user must change "
        "at first sign-in (see `password_change_required`)."
    )
    queue: Queue | None = None
    password_change_required: bool = Field(
        default=True, description="false only for accounts whose owner chose the password themselves."
    )


class UserUpdate(Schema):
    """Every field optional. Turning `active` off ends the user's sessions at once."""

    full_name: Name | None = None
    role: Role | None = None
    queue: Queue | None = None
    active: bool | None = None
    password: Password | None = Field(
        default=None, description="A temporary password (a reset): the user must change it at next sign-in."
    )


class User(Me):
    active: bool
    locked: bool = Field(default=False, description="Locked by failed logins; POST .../unlock lifts it.")
    last_login_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ApiKeyCreate(Schema):
    organization_id: uuid.UUID = Field(description="The partner organisation the key acts for.")
    name: Name
    scopes: list[Scope] = Field(
        default_factory=lambda: list(PARTNER_SCOPES), description=f"Any of: {', '.join(PARTNER_SCOPES)}."
    )

    @model_validator(mode="after")
    def _known_scopes(self) -> "ApiKeyCreate":
        unknown = sorted(set(self.scopes) - set(PARTNER_SCOPES))
        if unknown:
            raise ValueError(f"unknown scopes {unknown}; allowed: {list(PARTNER_SCOPES)}")
        return self


class ApiKey(Schema):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    prefix: str = Field(description="The visible start of the key, to tell keys apart.")
    scopes: list[str]
    created_by: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The whole key. Shown this once; only a hash is kept.")


class EhrPushSettings(Schema):
    """How Refloop signs in at the EHR when it pushes status there."""

    push_client_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="Our client id at this EHR, for pushes with SMART Backend Services credentials. "
        "Left out: pushes carry no credentials.",
    )
    push_token_url: HttpUrl | None = Field(
        default=None, description="The EHR's token endpoint; left out, read from its /.well-known/smart-configuration."
    )
    push_scope: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="Scopes to ask for; default system/Task.write system/Appointment.write system/Communication.write.",
    )


class EhrClientCreate(EhrPushSettings):
    client_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{3,100}$")] | None = Field(
        default=None, description="Left out: one is generated."
    )
    name: Name
    organization_id: uuid.UUID | None = None
    public_key_pem: Annotated[str, StringConstraints(max_length=20000)] | None = Field(
        default=None, description="The client's RSA or EC public key, PEM. Give this or `jwks`."
    )
    jwks: dict[str, Any] | None = Field(default=None, description="The client's public keys as a JWK Set.")
    jwks_url: HttpUrl | None = Field(
        default=None, description="Where the client publishes its JWK Set; read once, at registration."
    )
    scopes: list[Scope] = Field(description="SMART system scopes it may be granted, e.g. system/ServiceRequest.write.")
    fhir_base_url: HttpUrl | None = Field(default=None, description="The EHR's FHIR base, for status pushes.")

    @model_validator(mode="after")
    def _one_key(self) -> "EhrClientCreate":
        if sum(v is not None for v in (self.public_key_pem, self.jwks, self.jwks_url)) != 1:
            raise ValueError("give exactly one of public_key_pem, jwks or jwks_url")
        return self


class EhrClientUpdate(EhrPushSettings):
    name: Name | None = None
    scopes: list[Scope] | None = None
    fhir_base_url: HttpUrl | None = None
    active: bool | None = None
    public_key_pem: Annotated[str, StringConstraints(max_length=20000)] | None = None
    jwks: dict[str, Any] | None = None
    jwks_url: HttpUrl | None = Field(default=None, description="Read the keys again from this URL (replaces them).")


class EhrClient(Schema):
    id: uuid.UUID
    client_id: str
    name: str
    organization_id: uuid.UUID | None
    scopes: list[str]
    fhir_base_url: str | None
    push_client_id: str | None
    push_token_url: str | None
    push_scope: str | None
    active: bool
    jwks: dict[str, Any]
    created_by: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class SmartToken(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str = Field(description="The SMART system scopes granted, space-separated.")


class InvitationCreate(Schema):
    email: Email
    full_name: Name
    role: Role
    queue: Queue | None = None


class Invitation(Schema):
    """A one-time link sent by e-mail: `invite` makes an account, `reset` sets a new password."""

    id: uuid.UUID
    purpose: Literal["invite", "reset"]
    email: str
    full_name: str
    role: Role
    queue: str | None
    user_id: uuid.UUID | None = Field(description="The account reset, or created when the invitation was accepted.")
    status: Literal["pending", "accepted", "expired", "revoked"]
    expires_at: UtcDateTime
    accepted_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    invited_by: str
    sends: int = Field(description="How many e-mails carried a link; each resend replaces the previous link.")
    message_id: uuid.UUID | None = Field(description="The outbox message carrying the current link.")
    created_at: UtcDateTime


Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class InvitationLookup(Schema):
    token: Token


class InvitationPreview(Schema):
    """What the page behind a link shows before a password is chosen."""

    purpose: Literal["invite", "reset"]
    email: str
    full_name: str
    expires_at: UtcDateTime


class InvitationAccept(Schema):
    token: Token
    password: Password = Field(
        description="At least 12 characters, at least 6 different ones, and not the e-mail address or name."
    )
