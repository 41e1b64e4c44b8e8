"""Prometheus metrics: request counts and latencies by route, referrals by status."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

registry = CollectorRegistry()

REQUESTS = Counter(
    "refloop_http_requests_total", "HTTP requests by route template and status.",
    ["method", "route", "status"], registry=registry,
)
LATENCY = Histogram(
    "refloop_http_request_duration_seconds", "HTTP request latency by route template.",
    ["method", "route"], registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
REFERRALS_BY_STATUS = Gauge(
    "refloop_referrals", "Referrals by current status (refreshed on each scrape).", ["status"], registry=registry,
)
