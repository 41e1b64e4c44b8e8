"""Prometheus metrics of the API process: requests and latency by route, referrals by status, the outbox.

The worker's own (send outcomes, SLA breaches, job latency) are in workers/telemetry.py, served on
the worker's port. docs/observability.md lists them all.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

registry = CollectorRegistry()

REQUESTS = Counter(
    "refloop_http_requests_total",
    "HTTP requests by route template and status.",
    ["method", "route", "status"],
    registry=registry,
)
LATENCY = Histogram(
    "refloop_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
REFERRALS_BY_STATUS = Gauge(
    "refloop_referrals",
    "Referrals by current status (refreshed on each scrape).",
    ["status"],
    registry=registry,
)
OUTBOX_DUE = Gauge(
    "refloop_outbox_pending",
    "Outbox messages queued and due, by channel (refreshed on each scrape).",
    ["channel"],
    registry=registry,
)
OUTBOX_SCHEDULED = Gauge(
    "refloop_outbox_scheduled",
    "Outbox messages queued for a later time (retry backoff, deferred), by channel.",
    ["channel"],
    registry=registry,
)
OUTBOX_OLDEST_AGE = Gauge(
    "refloop_outbox_oldest_pending_age_seconds",
    "Seconds the longest-waiting due outbox message has waited past its due time, by channel (0: none due).",
    ["channel"],
    registry=registry,
)
