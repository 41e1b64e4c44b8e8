"""All configuration, read from the environment (and `.env` when present).

Each group reads its own prefix, so the conventional names work as they are:
`DATABASE_URL`, `REDIS_URL`, `SMTP_HOST`, `SECURITY_SECRET_KEY`...
"""

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _group(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore")


def normalise_database_url(url: str) -> str:
    """Accept the plain `postgresql://` form most tools print and use asyncpg."""
    for plain in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


class DatabaseSettings(BaseSettings):
    model_config = _group("DATABASE_")

    url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/refloop"
    # A read replica for the analytics queries (DATABASE_READ_URL); unset, they read the primary.
    read_url: str | None = None
    # The worker's LISTEN for new outbox rows (DATABASE_LISTEN_URL); unset, DATABASE_URL. LISTEN needs
    # a session of its own: PgBouncer in transaction mode cannot carry it, so point this at the
    # primary (or a session-mode pool) when DATABASE_URL goes through one.
    listen_url: str | None = None
    # All held open, none on overflow: an overflow connection is closed when it comes back to a full pool
    # and opened again moments later under steady load, paying connect, type setup and its prepared
    # statements each time (GET by id p99 under 64 clients: 440-560 ms with 20 + 10, 140-210 ms with 30 + 0).
    pool_size: int = 30
    max_overflow: int = 0
    # Prepared statements kept per connection. 0 behind PgBouncer in transaction mode, where the
    # next transaction may run on another server connection that never saw the statement.
    statement_cache_size: int = Field(default=100, ge=0)
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _asyncpg(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("read_url", "listen_url")
    @classmethod
    def _optional_asyncpg(cls, value: str | None) -> str | None:
        # Empty (a template's blank) means unset.
        return normalise_database_url(value) if value else None


class RedisSettings(BaseSettings):
    model_config = _group("REDIS_")

    url: str = "redis://127.0.0.1:6379/0"


class SmtpSettings(BaseSettings):
    model_config = _group("SMTP_")

    host: str = "127.0.0.1"
    port: int = 8025
    username: str | None = None
    password: str | None = None
    start_tls: bool = False
    sender: str = "Refloop <referrals@refloop.local>"


class SecuritySettings(BaseSettings):
    model_config = _group("SECURITY_")

    # Development defaults only; production refuses to start with them (see api.main).
    secret_key: str = "dev-only-secret-change-me"
    encryption_keys: str = Field(
        default="dev1:ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMzI=",
        description="Comma-separated `key_id:base64(32 bytes)`; the first encrypts, all decrypt.",
    )
    blind_index_key: str = "dev-only-blind-index-key"
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    # A read's audit-only transaction commits without waiting for the WAL flush (docs/security.md).
    async_read_audit: bool = True
    # How long an invitation or password-reset link works.
    invitation_hours: int = 72
    cors_origins: list[str] = ["http://127.0.0.1:5173", "http://localhost:5173"]
    max_body_bytes: int = 2 * 1024 * 1024


class FhirSettings(BaseSettings):
    model_config = _group("FHIR_")

    base_url: str = "http://127.0.0.1:8000/fhir/R4"
    # SMART Backend Services token endpoint as clients reach it (their assertions' `aud`);
    # the CapabilityStatement advertises it.
    token_url: str = "http://127.0.0.1:8000/v1/auth/smart/token"
    # The private key (PEM, RSA) that signs our assertions when we push to an EHR. Unset: a key file
    # under the data directory, made on first use outside production (production must set one).
    push_private_key: str | None = None
    push_private_key_file: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFLOOP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    log_json: bool = False
    data_dir: str = ".data"
    # Where people open the web app; links in e-mails start with it.
    web_app_url: str = "http://127.0.0.1:8000"
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    fhir: FhirSettings = Field(default_factory=FhirSettings)


@lru_cache
def get_settings() -> Settings:
    return Settings()
