"""Worker knobs, from `OUTBOX_*` environment variables (tests and benches shrink the times)."""

from datetime import timedelta
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class OutboxConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", env_file=".env", extra="ignore")

    queue_name: str = "arq:queue"
    batch: int = 200
    # The relay stops claiming while this many jobs wait in Redis, so a lease is not spent queueing.
    max_backlog: int = 300
    # The relay wakes on the outbox NOTIFY; this fallback poll catches retries and expired leases
    # (retries wait tens of seconds anyway: a few seconds more cost nothing, each pass costs CPU at rest).
    poll_seconds: float = 5.0
    # While Redis holds max_backlog jobs the relay looks again this often.
    backlog_wait_seconds: float = 0.05
    # An idle worker polls Redis for jobs at most this rarely. Only the relay enqueues, and it wakes its
    # worker when it hands out work, so this only paces the rest (and cron checks) at rest.
    idle_poll_seconds: float = 2.0
    # How long a row handed to Redis stays the relay's before it is handed out again (lost job).
    relay_lease_seconds: float = 120
    # How long a started send owns its row. Must exceed send_timeout_seconds: that is what
    # keeps a slow send from being taken by a second worker.
    send_lease_seconds: float = 60
    send_timeout_seconds: float = 30
    retry_base_seconds: float = 30
    max_jobs: int = 100
    # Messages per send job: one take, one load of their rows, one commit of their outcomes. Their mails
    # still go twenty to an SMTP connection, several connections at once (integrations/email/sender.py).
    send_batch: int = 100

    @property
    def send_job_timeout_seconds(self) -> float:
        # A batch sends for at most one lease's worth, plus its last send, then records (workers/jobs/outreach.py).
        return self.send_lease_seconds + self.send_timeout_seconds + 10

    @property
    def relay_lease(self) -> timedelta:
        return timedelta(seconds=self.relay_lease_seconds)

    @property
    def send_lease(self) -> timedelta:
        return timedelta(seconds=self.send_lease_seconds)


@lru_cache
def outbox_config() -> OutboxConfig:
    return OutboxConfig()
