"""Where a referrer's referrals go: our service lines and receiving providers, with conversion.

Reads the same analytics_referral_facts as the summary, so volume and conversion mean exactly
what DESIGN.md says (received in the period; converted = reached `completed`, now or later).
"""

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.repository import PatternCell, pattern_cells
from domain.analytics.schemas import PatternFlow, PatternTotal, ReferralPatterns
from domain.analytics.service import rate, resolve_period
from domain.providers.repository import ProviderRepository


def _totals(cells: list[PatternCell], key: Callable[[PatternCell], tuple[str, str]]) -> list[PatternTotal]:
    sums: dict[tuple[str, str], list[int]] = {}
    for cell in cells:
        pair = sums.setdefault(key(cell), [0, 0])
        pair[0] += cell.volume
        pair[1] += cell.converted
    ordered = sorted(sums.items(), key=lambda item: (-item[1][0], item[0][1]))
    return [PatternTotal(key=k, label=label, volume=v, conversion=rate(c, v)) for (k, label), (v, c) in ordered]


async def referral_patterns(
    session: AsyncSession, *, provider_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> ReferralPatterns:
    await ProviderRepository(session).get(provider_id)  # 404 for an unknown provider
    period = resolve_period(start=start, end=end)
    cells = await pattern_cells(session, referrer_id=provider_id, period=period)
    volume, converted = sum(c.volume for c in cells), sum(c.converted for c in cells)
    return ReferralPatterns(
        provider_id=provider_id,
        period_from=period.start,
        period_to=period.end,
        volume=volume,
        conversion=rate(converted, volume),
        service_lines=_totals(cells, lambda c: (c.service_line, c.service_line)),
        receivers=_totals(cells, lambda c: (str(c.receiver_id or ""), c.receiver_name or "Not yet assigned")),
        flows=[
            PatternFlow(
                service_line=c.service_line,
                receiving_provider_id=c.receiver_id,
                receiving_provider_name=c.receiver_name,
                volume=c.volume,
                conversion=rate(c.converted, c.volume),
            )
            for c in cells
        ],
    )
