"""Writes referrer_figures: every referrer's and organization's figures as of a day.

Run by the worker (cron) and at the end of an import or a settings change, in that transaction.
One grouped scan of the trailing year per kind; scores need every active referrer at once, so
they are computed here and never per request.
"""

import math
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.relationships import rollups, rules, settings
from domain.relationships.models import ReferrerFigures
from domain.shared.clock import utcnow

KINDS = ("provider", "organization")


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def period_figures(counts: dict[str, Any] | None, prior_volume: int | None = None) -> dict[str, Any]:
    c = counts or {"volume": 0, "completed": 0, "cancelled": 0, "closed": 0, "median_days": None, "revenue": 0}
    trend = None if not prior_volume else c["volume"] / prior_volume - 1
    return {
        "volume": c["volume"],
        "conversion_rate": rate(c["completed"], c["volume"]),
        "median_days_to_appointment": c["median_days"],
        "leakage_rate": rate(c["cancelled"], c["volume"]),
        "loop_closure_rate": rate(c["closed"], c["completed"]),
        "revenue": Decimal(c["revenue"] or 0),
        "prior_volume": prior_volume,
        "trend": trend,
    }


async def refresh(session: AsyncSession, *, as_of: date | None = None) -> int:
    """Recompute every row; returns how many subjects were written."""
    as_of = as_of or utcnow().date()
    config = await settings.current(session)
    weights = config.weights.model_dump()
    end = rules.end_of(as_of)
    written = 0
    for kind in KINDS:
        firsts = await rollups.first_received(session, kind=kind)
        year = await rollups.year_counts(
            session,
            kind=kind,
            end=end,
            months_from=rules.month_start(as_of, 6),
            months_to=rules.month_start(as_of),
            strategic_lines=config.strategic_service_lines,
        )
        active = [subject for subject in firsts if year.get(subject, {}).get("year_volume", 0) > 0]
        inputs = [
            rules.ScoreInputs(
                volume=year[s]["year_volume"],
                conversion=year[s]["year_completed"] / year[s]["year_volume"],
                growth=rules.growth(year[s]["last_6"], year[s]["prior_6"]),
                strategic_share=year[s]["strategic"] / year[s]["year_volume"],
            )
            for s in active
        ]
        scores = dict(zip(active, rules.scores(inputs, weights), strict=True))
        growth = {s: i.growth for s, i in zip(active, inputs, strict=True)}
        rows = []
        now = utcnow()
        for subject, first in firsts.items():
            y = year.get(subject)
            score = scores.get(subject)
            figures = period_figures(y, y["prior_volume"] if y else 0)
            rows.append(
                {
                    "subject_kind": kind,
                    "subject_id": subject,
                    "as_of": as_of,
                    "computed_at": now,
                    **figures,
                    "prior_volume": figures["prior_volume"] or 0,
                    "weekly": list(y["weekly"]) if y else [0] * rollups.SPARK_WEEKS,
                    "score": None if score is None else round(score, 4),
                    "tier": rules.tier(score),
                    "segment": rules.segment(
                        first_received=first,
                        end=end,
                        months_with_referrals=y["months"] if y else 0,
                        last_180=y["last_180"] if y else 0,
                    ),
                    "active": y is not None,
                    "year_volume": y["year_volume"] if y else 0,
                    "year_conversion": rate(y["year_completed"], y["year_volume"]) if y else None,
                    "growth": None if subject not in growth or math.isinf(growth[subject]) else growth[subject],
                    "strategic_share": rate(y["strategic"], y["year_volume"]) if y else None,
                }
            )
        await session.execute(delete(ReferrerFigures).where(ReferrerFigures.subject_kind == kind))
        if rows:
            await session.execute(insert(ReferrerFigures), rows)
        written += len(rows)
    return written
