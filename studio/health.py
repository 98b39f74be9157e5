"""Liveness of the parts the studio needs: the database, Redis and at least one Celery worker.

Answers in milliseconds: workers are known from their heartbeat keys, not pinged and waited for.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from typing import Any

from django.db import connection

from studio.heartbeat import live_workers, redis_client
from training.warmup import loaded_models, warming

log = logging.getLogger(__name__)
# Short, so that a hung Redis or database still lets /healthz answer inside a probe's 1 s.
REDIS_TIMEOUT_S = 0.3
DATABASE_TIMEOUT_S = 0.4
# The database is asked on a thread of its own, so that a host that accepts the connection and
# then says nothing (a paused or overloaded server) holds that thread, not the probe's answer.
# One thread: while a check hangs, later probes wait their 0.4 s and report it, instead of
# opening more connections to a server that is not answering.
_database_prober = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-db")


def _down(part: str, exc: Exception) -> dict[str, Any]:
    """/healthz is public: the answer names the kind of failure, the log has the details (which
    may hold hosts and socket paths)."""
    log.warning("Health check: %s is down: %s", part, exc)
    return {"ok": False, "error": f"{part} is unreachable ({type(exc).__name__})."}


def _select_one() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return connection.vendor
    finally:
        connection.close()


def check_database() -> dict[str, Any]:
    try:
        vendor = _database_prober.submit(_select_one).result(timeout=DATABASE_TIMEOUT_S)
    except WaitedTooLong:
        log.warning("Health check: the database did not answer within %s s", DATABASE_TIMEOUT_S)
        return {"ok": False, "error": "The database did not answer in time."}
    except Exception as exc:  # any failure means "down"
        return _down("The database", exc)
    return {"ok": True, "vendor": vendor}


def check_redis_and_workers() -> tuple[dict[str, Any], dict[str, Any]]:
    """Redis, then the workers whose heartbeat keys in it are live."""
    client = redis_client(timeout_s=REDIS_TIMEOUT_S)
    try:
        client.ping()
        names = live_workers(client)
    except Exception as exc:
        return _down("Redis", exc), {"ok": False, "error": "Redis is down."}
    finally:
        client.close()
    if not names:
        return {"ok": True}, {"ok": False, "error": "No Celery worker is running.", "workers": []}
    return {"ok": True}, {"ok": True, "workers": names}


def health() -> dict[str, Any]:
    redis_check, worker_check = check_redis_and_workers()
    checks = {"database": check_database(), "redis": redis_check, "worker": worker_check}
    status = "ok" if all(check["ok"] for check in checks.values()) else "degraded"
    return {"status": status, "checks": checks, "serving": serving()}


def serving() -> dict[str, int]:
    """This process's loaded models: counts only, since /healthz is public; not a check, since a
    process with nothing loaded yet still serves (it loads on the first request)."""
    return {"modelsLoaded": loaded_models(), "modelsLoading": warming()}
