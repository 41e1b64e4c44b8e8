"""Scripted referral histories, written as the CSV a practice would import."""

import csv
import io
import itertools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.relationships import imports
from tests.factories import make_organization, make_provider, valid_npi

_n = itertools.count(1)
HEADER = (
    "source_id",
    "received_at",
    "referrer_npi",
    "service_line",
    "urgency",
    "payer_class",
    "status",
    "status_reason",
    "appointment_date",
    "completion_date",
    "patient_given_name",
    "patient_family_name",
    "patient_birth_date",
    "patient_mrn",
    "actual_revenue",
    "status_date",
)


def row(npi: str, received: date | datetime | str, *, status: str = "received", **extra: Any) -> dict[str, Any]:
    n = next(_n)
    values: dict[str, Any] = {
        "source_id": f"H{n}",
        "received_at": str(received),
        "referrer_npi": npi,
        "service_line": "cardiology",
        "urgency": "routine",
        "payer_class": "commercial",
        "status": status,
        "patient_given_name": "Ana",
        "patient_family_name": f"Silva{n}",
        "patient_birth_date": "1970-01-0" + str(1 + n % 9),
        "patient_mrn": f"M{n}",
    }
    values.update({k: str(v) for k, v in extra.items()})
    return values


def csv_bytes(rows: list[dict[str, Any]], header: tuple[str, ...] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), extrasaction="raise", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def make_referrer(session: AsyncSession, organization=None, **overrides: Any):
    organization = organization or await make_organization(session)
    provider = await make_provider(
        session, npi=valid_npi(), affiliations=[{"organization_id": str(organization.id)}], **overrides
    )
    return provider, organization


async def load(session: AsyncSession, rows: list[dict[str, Any]]) -> imports.ImportResult:
    return await imports.import_referrals(session, data=csv_bytes(rows), filename="history.csv", actor="test")


def weekly(npi: str, start: date, weeks: int, per_week: int = 1, **extra: Any) -> list[dict[str, Any]]:
    """`per_week` referrals on the Tuesday of each week from `start`."""
    return [row(npi, start + timedelta(weeks=w, days=1), **extra) for w in range(weeks) for _ in range(per_week)]
