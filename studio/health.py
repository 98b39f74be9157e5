"""Liveness of the parts the studio needs: the database, Redis and at least one Celery worker."""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.db import connection

from studio.celery import app as celery_app


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any failure means "down", and the reason is reported
        return {"ok": False, "error": str(exc)}


def check_redis() -> dict[str, Any]:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc)}


def check_workers(timeout: float = 1.5) -> dict[str, Any]:
    try:
        replies = celery_app.control.ping(timeout=timeout)
    except Exception as exc:
        return {"ok": False, "error": str(exc), "workers": []}
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return {"ok": False, "error": "No Celery worker answered.", "workers": []}
    return {"ok": True, "workers": names}


def health() -> dict[str, Any]:
    checks = {"database": check_database(), "redis": check_redis()}
    checks["worker"] = (
        check_workers() if checks["redis"]["ok"] else {"ok": False, "error": "Redis is down."}
    )
    status = "ok" if all(check["ok"] for check in checks.values()) else "degraded"
    return {"status": status, "checks": checks}
