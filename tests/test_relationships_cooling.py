"""Cooling alerts from scripted histories, each threshold computed by hand (DESIGN.md: cooling)."""

import math
from datetime import date, timedelta

from sqlalchemy import select

from domain.relationships import cooling, owners, snapshot
from domain.relationships.models import CoolingEpisode
from domain.tasks.models import Task
from tests.history import load, make_referrer, weekly
from tests.principals import make_user

D = date(2025, 6, 15)  # a Sunday; as of D, `end` is Monday 2025-06-16 00:00 UTC
END = date(2025, 6, 16)
BASELINE_START = END - timedelta(weeks=34)  # the 26 weeks ending 8 weeks before end
RECENT_START = END - timedelta(weeks=8)


def fifth_percentile(mean: float) -> int:
    """Smallest k with P(X <= k) >= 0.05 for X ~ Poisson(mean), summed term by term."""
    k, term, total = 0, math.exp(-mean), math.exp(-mean)
    while total < 0.05:
        k += 1
        term *= mean / k
        total += term
    return k


async def _episodes(session, provider_id):
    return (
        (
            await session.execute(
                select(CoolingEpisode)
                .where(CoolingEpisode.provider_id == provider_id)
                .order_by(CoolingEpisode.opened_on)
            )
        )
        .scalars()
        .all()
    )


async def test_an_episode_opens_once_for_the_owner_and_closes_on_recovery(client, session):
    provider, _ = await make_referrer(session, given_name="Lena", family_name="Marsh")
    liaison = await make_user(session, role="liaison")
    await owners.assign(session, provider_id=provider.id, liaison_id=liaison.id, actor="test")
    # Baseline: 1 a week for 26 weeks -> expected 8 in the last 8 weeks (s = 1: no year of data).
    await load(session, weekly(provider.npi, BASELINE_START, 26) + weekly(provider.npi, RECENT_START, 2))
    threshold = fifth_percentile(8.0)
    assert threshold == 4  # P(X<=3) = 0.042, P(X<=4) = 0.0996

    first = await cooling.run(session, as_of=D)
    assert (first.opened, first.seasonal_factor) == (1, 1.0)
    again = await cooling.run(session, as_of=D)
    assert again.opened == 0
    [episode] = await _episodes(session, provider.id)
    assert (episode.observed, episode.expected, episode.baseline, episode.threshold) == (2, 8.0, 1.0, threshold)
    task = await session.get(Task, episode.task_id)
    assert task.assignee_id == liaison.id and task.provider_id == provider.id
    assert "sent 2 referrals in the last 8 weeks; 8.0 were expected" in task.description
    assert "seasonal factor 1.00" in task.description

    await snapshot.refresh(session, as_of=D)
    listed = (await client.get("/v1/referrers", params={"cooling": "true"})).json()["items"]
    assert [i["provider_id"] for i in listed] == [str(provider.id)]
    alerts = (await client.get("/v1/cooling-alerts", params={"liaison_id": str(liaison.id)})).json()
    assert [(a["provider_id"], a["observed"], a["expected"], a["threshold"]) for a in alerts] == [
        (str(provider.id), 2, 8.0, 4)
    ]

    # Two more in the last 8 weeks: 4 is at the threshold, so the referrer has recovered.
    await load(session, weekly(provider.npi, RECENT_START + timedelta(weeks=4), 2))
    recovered = await cooling.run(session, as_of=D)
    assert recovered.closed == 1
    [episode] = await _episodes(session, provider.id)
    assert episode.closed_on == D
    assert (await session.get(Task, episode.task_id)).status == "cancelled"

    # Six weeks on, the last 8 weeks hold only 2 (weeks 4-5 of the earlier window): a new episode.
    later = D + timedelta(weeks=6)
    result = await cooling.run(session, as_of=later)
    assert result.opened == 1
    episodes = await _episodes(session, provider.id)
    assert [e.closed_on for e in episodes] == [D, None] and episodes[0].task_id != episodes[1].task_id


async def test_no_owner_means_the_liaison_queue_and_a_low_baseline_is_never_cooling(session):
    steady, _ = await make_referrer(session)
    rare, _ = await make_referrer(session)
    await load(session, weekly(steady.npi, BASELINE_START, 26))
    # 12 in 26 weeks is a baseline under 0.5 a week: not watched, however quiet it goes.
    await load(session, weekly(rare.npi, BASELINE_START, 12))
    await cooling.run(session, as_of=D)
    [episode] = await _episodes(session, steady.id)
    task = await session.get(Task, episode.task_id)
    assert (task.assignee_id, task.queue) == (None, cooling.LIAISON_QUEUE)
    assert await _episodes(session, rare.id) == []


async def _seasonal_history(session, *, reaches_back: bool):
    background, _ = await make_referrer(session)
    referrer, _ = await make_referrer(session)
    # On Mondays (weekly() adds a day), from 60 weeks back exactly, or from a week later.
    skip = 0 if reaches_back else 1
    start = END - timedelta(weeks=60 - skip, days=1)
    rows = weekly(background.npi, start, 60 - skip)  # 1 a week up to today
    rows += weekly(background.npi, start, 8 - skip)  # and one more a week in the same 8 weeks a year ago
    rows += weekly(referrer.npi, BASELINE_START, 26) + weekly(referrer.npi, RECENT_START, 4)
    await load(session, rows)
    return referrer


async def test_seasonality_with_a_year_of_data(session):
    referrer = await _seasonal_history(session, reaches_back=True)
    # Year = the 52 weeks from 60 weeks back: background 52 + 8, referrer 26 -> 86; same 8 weeks: 8 + 8 = 16.
    s = 16 / (8 * 86 / 52)
    result = await cooling.run(session, as_of=D)
    assert abs(result.seasonal_factor - s) < 1e-9
    threshold = fifth_percentile(8 * 1.0 * s)
    assert threshold == 5  # so 4 in the last 8 weeks is cooling in this season
    [episode] = await _episodes(session, referrer.id)
    assert episode.observed == 4 and abs(episode.expected - 8 * s) < 1e-9 and episode.threshold == threshold


async def test_seasonality_without_a_year_of_data(session):
    referrer = await _seasonal_history(session, reaches_back=False)
    result = await cooling.run(session, as_of=D)
    assert result.seasonal_factor == 1.0
    assert fifth_percentile(8.0) == 4  # 4 is not below 4: not cooling
    assert await _episodes(session, referrer.id) == []
