"""OpenTelemetry traces: HTTP (FastAPI), SQL (SQLAlchemy), outgoing HTTP (httpx) and arq jobs.

Off unless OpenTelemetry's own variables ask for it: an OTLP endpoint in
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` turns it on (http/protobuf),
`OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` keeps it off. `OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)` and the exporter's headers and timeouts are
read by the SDK as documented there. While off, nothing below is imported, nothing is patched and a
request pays nothing.

No patient data in spans: SQL spans carry the statement with its placeholders, never the
parameters; HTTP spans carry the route template instead of the path and no query string; no
bodies or headers are recorded.
"""

import contextlib
import os
from typing import Any

_NOTHING = contextlib.nullcontext()
_state: dict[str, Any] = {"provider": None, "tracer": None}


def wanted() -> bool:
    env = os.environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def enabled() -> bool:
    return _state["provider"] is not None


def configure(service_name: str, *, exporter: Any = None, engines: tuple[Any, ...] = ()) -> bool:
    """Sets up the tracer provider once per process (the settings' exporter, or the one given: tests).
    Returns whether tracing is on."""
    if _state["provider"] is not None:
        return True
    if exporter is None and not wanted():
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    # OTEL_SERVICE_NAME, when set, wins over the process's own name.
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service_name})
    provider = TracerProvider(resource=resource)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _state["provider"] = provider
    _state["tracer"] = provider.get_tracer("refloop")
    _instrument_libraries(provider, engines)
    return True


def shutdown() -> None:
    """Flushes and forgets the provider and takes the instrumentation out again (tests, process exit)."""
    provider = _state["provider"]
    if provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    SQLAlchemyInstrumentor().uninstrument()
    provider.shutdown()
    _state.update(provider=None, tracer=None)


def _instrument_libraries(provider: Any, engines: tuple[Any, ...]) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    from domain.shared.db import get_engine

    # The engine every session uses (and any other given). Statements are recorded as written, with
    # placeholders: parameters never are.
    # Its declared range stops below SQLAlchemy 2.1; the event hooks it uses are the same in 2.1
    # (tests/test_tracing.py sees the spans).
    SQLAlchemyInstrumentor().instrument(
        engines=[e.sync_engine for e in (get_engine(), *engines)],
        tracer_provider=provider,
        enable_commenter=False,
        skip_dep_check=True,
    )
    HTTPXClientInstrumentor().instrument(
        tracer_provider=provider, request_hook=_outgoing_without_query, async_request_hook=_outgoing_without_query_async
    )


def wrap_asgi(app: Any) -> Any:
    """The application inside a server span per request (the ASGI instrumentation); health, readiness
    and metrics left out. The application itself while tracing is off. The request-context middleware
    names the span by its route template once the router has chosen (`name_server_span`)."""
    if _state["provider"] is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(
        app,
        excluded_urls="/healthz,/readyz,/metrics",
        tracer_provider=_state["provider"],
        exclude_spans=["receive", "send"],
    )


# Attributes the instrumentations fill from the concrete URL (old and new semantic conventions).
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target", "url.path", "url.query")


def current_trace_id() -> str | None:
    """The current span's trace id as 32 hex digits (as trace back ends show it), None outside a span."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def name_server_span(method: str, route: str) -> None:
    """`GET /v1/referrals/{referral_id}`, and the route template in place of the concrete URL: ids in
    paths and search terms in query strings stay out of the span."""
    from opentelemetry import trace

    span = trace.get_current_span()
    if not span.is_recording():
        return
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    _replace(span, route)


def _outgoing_without_query(span: Any, request: Any) -> None:
    """Outgoing calls (FHIR pushes, webhooks) keep scheme, host and path; never the query."""
    if span is None or not span.is_recording():
        return
    url = request.url if hasattr(request, "url") else request[1]
    scheme, host, port, path = _parts(url)
    _replace(span, path, full=f"{scheme}://{host}{':' + str(port) if port else ''}{path}")


async def _outgoing_without_query_async(span: Any, request: Any) -> None:
    _outgoing_without_query(span, request)


def _parts(url: Any) -> tuple[str, str, int | None, str]:
    import httpx

    url = url if isinstance(url, httpx.URL) else httpx.URL(url)
    return url.scheme, url.host, url.port, url.path


def _replace(span: Any, path: str, *, full: str | None = None) -> None:
    attributes = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        if name not in attributes:
            continue
        if name == "url.query":
            span.set_attribute(name, "")
        elif name in ("http.url", "url.full"):
            span.set_attribute(name, full or _with_path(attributes[name], path))
        else:
            span.set_attribute(name, path)


def _with_path(url: str, path: str) -> str:
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    return f"{scheme}://{host}{path}"


def job_span(name: str, *, job_id: str | None, job_try: int | None) -> Any:
    """A consumer span around one arq job; a shared no-op context while tracing is off."""
    tracer = _state["tracer"]
    if tracer is None:
        return _NOTHING
    attributes: dict[str, Any] = {"messaging.system": "arq", "messaging.operation": "process", "code.function": name}
    if job_id:
        attributes["messaging.message.id"] = job_id
    if job_try:
        attributes["arq.job_try"] = job_try
    return _span(tracer, f"job {name}", attributes)


@contextlib.contextmanager
def _span(tracer: Any, name: str, attributes: dict[str, Any]) -> Any:
    """A span whose failure names the exception's type only: an error's message may quote data."""
    from opentelemetry.trace import SpanKind, Status, StatusCode

    with tracer.start_as_current_span(
        name, kind=SpanKind.CONSUMER, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
