"""The dashboard's CSV: the same figures as the summary for the same filters; referrers with NPI and practice."""

import csv
import io

from domain.referrals.enums import ReferralStatus as S
from tests.factories import make_organization, make_provider, make_referral, valid_npi

WINDOW = {"from": "2026-01-01", "to": "2027-01-01", "group_by": "month"}


async def _referrer_with_referrals(session):
    practice = await make_organization(session, name="Millbrook Family Practice")
    provider = await make_provider(session, npi=valid_npi(), affiliations=[{"organization_id": str(practice.id)}])
    other = await make_provider(session, npi=valid_npi())
    for status in (S.completed, S.cancelled, S.received):
        await make_referral(
            session, status=status, referring_provider_id=str(provider.id), referring_organization_id=str(practice.id)
        )
    await make_referral(session, status=S.declined, referring_provider_id=str(other.id))
    return provider, practice


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _value(rows, section, metric, key=None):
    [row] = [r for r in rows if r["section"] == section and r["metric"] == metric and (key is None or r["key"] == key)]
    return row["value"]


async def test_top_referrers_show_npi_and_practice(client, session):
    provider, practice = await _referrer_with_referrals(session)
    summary = (await client.get("/v1/analytics/summary", params=WINDOW)).json()
    top = next(r for r in summary["top_referrers"] if r["referring_provider_id"] == str(provider.id))
    assert top["npi"] == provider.npi and top["practice_name"] == "Millbrook Family Practice"
    assert top["practice_id"] == str(practice.id) and top["volume"] == 3


async def test_csv_has_the_summarys_figures_for_the_same_filters(client_for, session):
    provider, _ = await _referrer_with_referrals(session)
    analyst = await client_for("analyst")
    params = {**WINDOW, "referring_provider_id": str(provider.id)}
    summary = (await analyst.get("/v1/analytics/summary", params=params)).json()
    response = await analyst.get("/v1/analytics/summary.csv", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="refloop-summary-20260101-')
    rows = _rows(response.text)
    totals = summary["totals"]
    assert int(_value(rows, "totals", "volume")) == totals["volume"] == 3
    assert int(_value(rows, "totals", "conversion_count")) == totals["conversion"]["count"] == 1
    assert float(_value(rows, "totals", "leakage_rate")) == totals["leakage"]["rate"]
    assert int(_value(rows, "totals", "decline_count")) == 0
    assert {r["key"]: int(r["value"]) for r in rows if r["section"] == "status"} == {
        c["status"]: c["count"] for c in summary["status_counts"]
    }
    series_volume = sum(int(r["value"]) for r in rows if r["section"] == "series" and r["metric"] == "volume")
    assert series_volume == sum(b["volume"] for b in summary["series"]) == 3
    [referrer] = summary["top_referrers"]
    label = _value(rows, "top_referrer", "volume", key=str(provider.id))
    assert int(label) == referrer["volume"]
    names = {r["label"] for r in rows if r["section"] == "top_referrer"}
    assert names == {f"{referrer['name']} · NPI {provider.npi} · Millbrook Family Practice"}
    # SLA attainment per milestone, as the dashboard's card shows it.
    sla = {(r["key"], r["metric"]): r["value"] for r in rows if r["section"] == "sla"}
    assert sla == {
        (m["milestone"], metric): "" if m[metric] is None else str(m[metric])
        for m in summary["sla"]
        for metric in ("decided", "met", "rate")
    }
    assert {key for key, _ in sla} == {"first_contact", "scheduled"}


async def test_csv_takes_the_same_checks_and_permissions_as_the_summary(client, client_for):
    bad = await client.get("/v1/analytics/summary.csv", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert (await (await client_for("intake")).get("/v1/analytics/summary.csv")).status_code == 403
