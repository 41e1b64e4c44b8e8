"""The summary as CSV: one row per figure, the same numbers the dashboard shows."""

import csv
import io

from domain.analytics.schemas import AnalyticsSummary, MetricDuration, MetricRate, PeriodMetrics

HEADER = ("section", "key", "label", "metric", "value")


def _figures(m: PeriodMetrics) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("volume", m.volume)]
    rates: dict[str, MetricRate] = {
        "conversion": m.conversion,
        "leakage": m.leakage,
        "decline": m.decline,
        "no_show": m.no_show,
        "loop_closure": m.loop_closure,
    }
    for name, rate in rates.items():
        rows += [(f"{name}_count", rate.count), (f"{name}_of", rate.of), (f"{name}_rate", rate.rate)]
    durations: dict[str, MetricDuration] = {
        "time_to_first_contact_hours": m.time_to_first_contact_hours,
        "time_to_appointment_days": m.time_to_appointment_days,
        "loop_closure_time_hours": m.loop_closure_time_hours,
    }
    for name, d in durations.items():
        rows += [(f"{name}_count", d.count), (f"{name}_median", d.median), (f"{name}_p90", d.p90)]
    rows += [(f"leakage_reason:{r.reason}", r.count) for r in m.leakage_reasons]
    rows += [(f"decline_reason:{r.reason}", r.count) for r in m.decline_reasons]
    return rows


def _cell(value: object) -> object:
    # Rates and durations unrounded (the screen rounds them); empty where the API says null.
    return "" if value is None else value


def summary_csv(s: AnalyticsSummary) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    period = f"{s.period_from.isoformat()}/{s.period_to.isoformat()}"
    for metric, value in _figures(s.totals):
        w.writerow(("totals", period, "", metric, _cell(value)))
    for bucket in s.series:
        for metric, value in _figures(bucket):
            w.writerow(("series", bucket.start.isoformat(), s.group_by or "", metric, _cell(value)))
    for c in s.status_counts:
        w.writerow(("status", c.status.value, "", "count", c.count))
    for r in s.top_referrers:
        label = " · ".join(x for x in (r.name, f"NPI {r.npi}" if r.npi else None, r.practice_name) if x)
        w.writerow(("top_referrer", str(r.referring_provider_id), label, "volume", r.volume))
        w.writerow(("top_referrer", str(r.referring_provider_id), label, "conversion_count", r.conversion.count))
        w.writerow(("top_referrer", str(r.referring_provider_id), label, "conversion_rate", _cell(r.conversion.rate)))
    for sla in s.sla:
        for metric, value in (("decided", sla.decided), ("met", sla.met), ("rate", sla.rate)):
            w.writerow(("sla", sla.milestone, "", metric, _cell(value)))
    for channel in s.reminder_channels:
        w.writerow(("reminder_channel", channel.channel, "", "appointments", channel.appointments))
        rates = {"confirmation": channel.confirmation, "no_show": channel.no_show}
        for name, rate in rates.items():
            for part in ("count", "of", "rate"):
                w.writerow(
                    (
                        "reminder_channel",
                        channel.channel,
                        "",
                        f"{name}_{part}",
                        _cell(getattr(rate, part) if rate else None),
                    )
                )
    return out.getvalue()
