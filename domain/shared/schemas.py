import re
from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

T = TypeVar("T")


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+09:00 is a valid ISO time that no UTC time can hold.
        raise ValueError(f"time {value.isoformat()} falls outside the range of dates in UTC") from None


def _iso_z(value: datetime) -> str:
    if value.tzinfo is not UTC:  # what the database hands back is UTC already
        value = _as_utc(value)
    return value.isoformat().replace("+00:00", "Z")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_text_only(value: object) -> object:
    # pydantic would also take 1700000000 or "0.5" as a Unix time; the contract says ISO 8601.
    if isinstance(value, (date, datetime)):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-03-01T09:30:00Z")
    return value


# Stored and rendered in UTC (ISO 8601, `Z`); naive input is taken as UTC.
UtcDateTime = Annotated[
    datetime, BeforeValidator(_iso_text_only), AfterValidator(_as_utc), PlainSerializer(_iso_z, return_type=str)
]
IsoDate = Annotated[date, BeforeValidator(_iso_text_only)]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")
