"""Outreach knobs, from `OUTREACH_*` environment variables."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class OutreachSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTREACH_", env_file=".env", extra="ignore")

    practice_name: str = "Lakeside Specialty Clinic"
    practice_phone: str = "(555) 010-4400"
    practice_service_lines: str = "cardiology, orthopedics and dermatology"
    practice_wait_days: int = 10
    # Where the stable ids live: Message-ID is <message id @ mail_domain>.
    mail_domain: str = "refloop.local"
    reminder_days_before: int = 2
    # Cadence: per recipient, at most `cap_count` messages per rolling `cap_window_hours`.
    cap_count: int = 3
    cap_window_hours: int = 24
    # Minimum gap between two messages of one kind to one recipient, minutes.
    min_interval_minutes: dict[str, int] = {"check_in": 60 * 24 * 7, "no_show": 60 * 12, "reminder": 60 * 12}
    quiet_start_hour: int = 20
    quiet_end_hour: int = 8
    default_time_zone: str = "America/New_York"


@lru_cache
def outreach_settings() -> OutreachSettings:
    return OutreachSettings()
