"""The worker's metrics, log context and trace spans, per job.

The worker is a process of its own, so its metrics cannot be read from the API's /metrics: it serves
them on its own port (`WORKER_METRICS_PORT`, off when unset) for Prometheus to scrape beside the
API. Counters kept in the process, not pushed through Redis or the database, cost nothing on the
job's path but an in-memory increment, and a worker that is down is seen as a failed scrape.

Every job runs under `observed`: its log lines carry `job_id` and `job` (and the send job adds
`message_id`), its duration and queue delay are observed, and with tracing on it is a span.
"""

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations import tracing

registry = CollectorRegistry()

SENDS = Counter(
    "refloop_outbox_sends_total",
    "Outbox messages by channel and what the worker decided: sent, retried, failed, suppressed, deferred.",
    ["channel", "outcome"],
    registry=registry,
)
SLA_BREACHES = Counter(
    "refloop_sla_breaches_total",
    "SLA milestones breached: escalation tasks the sweep opened.",
    ["milestone"],
    registry=registry,
)
JOB_DURATION = Histogram(
    "refloop_job_duration_seconds",
    "arq job run time by function and result (ok, error).",
    ["function", "result"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
JOB_QUEUE_DELAY = Histogram(
    "refloop_job_queue_delay_seconds",
    "From when an arq job was due to when a worker started it.",
    ["function"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


class WorkerTelemetryConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKER_", env_file=".env", extra="ignore")

    # Where the worker serves /metrics; unset: not served. One port per worker process.
    metrics_port: int | None = None
    metrics_addr: str = "0.0.0.0"


P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Job(Protocol[P, R_co]):
    """An arq job function: arq registers it by `__qualname__`, so the type keeps that too."""

    __qualname__: str

    def __call__(self, ctx: dict[Any, Any], *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R_co]: ...


def observed(job: Callable[Concatenate[dict[Any, Any], P], Awaitable[R]]) -> Job[P, R]:
    """Wraps an arq job function; keeps its name, so arq registers it as before."""
    name = job.__name__

    @functools.wraps(job)
    async def run(ctx: dict[Any, Any], *args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        score = ctx.get("score")
        if score:
            JOB_QUEUE_DELAY.labels(name).observe(max(0.0, time.time() - score / 1000))
        result = "error"
        job_id = ctx.get("job_id")
        with structlog.contextvars.bound_contextvars(job_id=job_id, job=name):
            span = tracing.job_span(name, job_id=job_id, job_try=ctx.get("job_try"))
            try:
                with span:
                    if tracing.enabled():
                        structlog.contextvars.bind_contextvars(trace_id=tracing.current_trace_id())
                    value = await job(ctx, *args, **kwargs)
                result = "ok"
                return value
            finally:
                JOB_DURATION.labels(name, result).observe(time.perf_counter() - started)

    return run


def serve_metrics(config: WorkerTelemetryConfig | None = None) -> Any:
    """Starts the metrics endpoint when a port is set; returns the server (for `stop_metrics`) or None."""
    config = config or WorkerTelemetryConfig()
    if config.metrics_port is None:
        return None
    log = structlog.get_logger()
    try:
        server, _thread = start_http_server(config.metrics_port, config.metrics_addr, registry=registry)
    except OSError as exc:
        # A second worker on the same host and port: it works on, unscraped, rather than fail to start.
        log.warning("worker metrics not served", port=config.metrics_port, error=str(exc))
        return None
    log.info("worker metrics served", port=server.server_port)
    return server


def stop_metrics(server: Any) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
