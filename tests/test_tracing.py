"""OpenTelemetry: off by default at no cost; on, a request is a server span over its SQL, named by
route template, with no patient data, ids from paths or query strings in any attribute."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import structlog

from api import middleware
from api.deps import get_session
from api.main import create_app
from api.middleware import RequestContextMiddleware
from integrations import tracing
from workers import cron, telemetry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def spans(connection_engine):
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    # The tests' sessions run on their own engine: it is traced beside the application's.
    assert tracing.configure("refloop-api", exporter=exporter, engines=(connection_engine,))
    yield exporter
    tracing.shutdown()


def attribute_text(finished) -> str:
    return " ".join(f"{span.name} {dict(span.attributes or {})} {span.status.description}" for span in finished)


async def test_a_request_is_a_server_span_with_database_children_and_no_phi(spans, session, admin_user, monkeypatch):
    from opentelemetry.trace import SpanKind

    from tests.factories import make_referral
    from tests.principals import user_token

    referral = await make_referral(
        session,
        patient={
            "given_name": "Marisol",
            "family_name": "Quintanilla",
            "birth_date": "1961-04-02",
            "sex": "female",
            "mrn": "MRN-778812",
        },
    )
    app = create_app()

    async def test_session():
        yield session

    app.dependency_overrides[get_session] = test_session
    capture = structlog.testing.LogCapture()
    monkeypatch.setattr(
        middleware, "log", structlog.wrap_logger(None, processors=[structlog.contextvars.merge_contextvars, capture])
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {user_token(admin_user)}"}
    ) as client:
        answer = await client.get(f"/v1/referrals/{referral.id}", params={"reveal": "true", "q": "Quintanilla"})
    assert answer.status_code == 200

    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.kind is SpanKind.SERVER]
    assert server.name == "GET /v1/referrals/{referral_id}"
    assert server.attributes["http.route"] == "/v1/referrals/{referral_id}"
    [access] = [e for e in capture.entries if e["event"] == "request"]
    assert access["trace_id"] == format(server.context.trace_id, "032x")  # the log line leads to the trace
    sql = [s for s in finished if s.attributes and s.attributes.get("db.system") == "postgresql"]
    in_request = [s for s in sql if s.parent is not None and s.parent.trace_id == server.context.trace_id]
    assert any(s.parent.span_id == server.context.span_id for s in in_request)
    assert all(s.kind is SpanKind.CLIENT and "db.statement" in s.attributes for s in in_request)
    text = attribute_text(finished)
    for secret in (str(referral.id), "Quintanilla", "Marisol", "MRN-778812", "1961-04-02", "reveal"):
        assert secret not in text


async def test_an_arq_job_is_a_span_over_its_sql(spans):
    from opentelemetry.trace import SpanKind

    await cron.sla_sweep({"job_id": "cron:sla_sweep:1", "job_try": 1})
    finished = spans.get_finished_spans()
    [job] = [s for s in finished if s.kind is SpanKind.CONSUMER]
    assert job.name == "job sla_sweep"
    assert job.attributes["messaging.message.id"] == "cron:sla_sweep:1"
    assert any(
        s.parent is not None
        and s.parent.span_id == job.context.span_id
        and s.attributes.get("db.system") == "postgresql"
        for s in finished
    )


async def test_an_outgoing_call_is_a_client_span_without_its_query(spans):
    from opentelemetry.trace import SpanKind

    server = telemetry.serve_metrics(telemetry.WorkerTelemetryConfig(metrics_port=0, metrics_addr="127.0.0.1"))
    try:
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{server.server_port}/metrics", params={"name": "Quintanilla"})
    finally:
        telemetry.stop_metrics(server)
    [call] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert "Quintanilla" not in attribute_text([call])
    assert any(str(v).endswith("/metrics") for v in call.attributes.values())


def test_tracing_is_off_by_default_and_then_nothing_is_imported_or_patched(app):
    assert not tracing.wanted() and not tracing.enabled()
    assert type(app.build_middleware_stack()) is RequestContextMiddleware  # no tracing layer around it
    assert tracing.job_span("ping", job_id=None, job_try=None) is tracing.job_span("x", job_id=None, job_try=None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    # (FastAPI itself may import the OpenTelemetry API; the SDK, exporters and instrumentations are ours.)
    ours = ("opentelemetry.sdk", "opentelemetry.instrumentation", "opentelemetry.exporter")
    code = (
        "import sys; from api.main import create_app; create_app(); import workers.main; "
        f"print(sorted(m for m in sys.modules if m.startswith({ours!r})))"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_the_standard_variables_turn_tracing_on_and_off(monkeypatch):
    for name in (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SDK_DISABLED",
        "OTEL_TRACES_EXPORTER",
    ):
        monkeypatch.delenv(name, raising=False)
    assert not tracing.wanted()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert tracing.wanted()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert not tracing.wanted()
    monkeypatch.delenv("OTEL_TRACES_EXPORTER")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.wanted()


def test_fastapis_own_telemetry_stays_off_where_an_agent_sets_global_providers():
    # FastAPI records spans, metrics and exception logs (messages included) of its own whenever global
    # OpenTelemetry providers exist, as an operator's auto-instrumentation agent sets them. Refloop's
    # spans are made in one place (integrations/tracing.py), which keeps patient data out of them.
    code = """
import asyncio, httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
from api.main import create_app

async def main():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post("/v1/auth/token", data={"username": "Quintanilla", "password": "x"})
    print(answer.status_code, sorted(s.name for s in exporter.get_finished_spans()))

asyncio.run(main())
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    status, spans = run.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status in ("400", "401", "422")
    assert spans == "[]"
