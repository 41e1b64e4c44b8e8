"""The Grafana dashboard in deploy/ parses and asks only for metrics the API and the worker expose."""

import json
import re
from pathlib import Path

from api.metrics import registry as api_registry
from workers.telemetry import registry as worker_registry

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "refloop.json"
METRIC = re.compile(r"\b(refloop_[a-z0-9_]+)")
# What Prometheus adds to a family's name in its samples.
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def exposed() -> set[str]:
    names = set()
    for registry in (api_registry, worker_registry):
        for family in registry.collect():
            names.add(family.name)
    return names


def family_of(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def queries(dashboard: dict) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_dashboard_is_valid_json_with_panels():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"] and dashboard["uid"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert len(queries(dashboard)) >= 10


def test_every_metric_the_dashboard_queries_exists():
    dashboard = json.loads(DASHBOARD.read_text())
    asked = {family_of(name) for expr in queries(dashboard) for name in METRIC.findall(expr)}
    assert asked - exposed() == set()
    # And the dashboard covers what point 6 asks for.
    for wanted in (
        "refloop_http_requests",
        "refloop_http_request_duration_seconds",
        "refloop_outbox_pending",
        "refloop_outbox_oldest_pending_age_seconds",
        "refloop_outbox_sends",
        "refloop_sla_breaches",
        "refloop_job_duration_seconds",
        "refloop_job_queue_delay_seconds",
    ):
        assert wanted in asked
