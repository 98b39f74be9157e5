"""Celery workers' heartbeats in Redis: each worker renews a key with a short TTL, and /healthz
reads the keys instead of broadcasting a ping and waiting for replies."""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)

INTERVAL_S = 5.0
# Three missed beats: a worker killed with SIGKILL (no chance to remove its key) is reported down
# within this many seconds.
TTL_S = 15


def redis_client(timeout_s: float) -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
    )


def _names_key() -> str:
    return f"{settings.WORKER_HEARTBEAT_PREFIX}names"


def _beat_key(hostname: str) -> str:
    return f"{settings.WORKER_HEARTBEAT_PREFIX}beat:{hostname}"


def live_workers(client: redis.Redis) -> list[str]:
    """The workers whose heartbeat has not expired; forgets those whose key has."""
    names = sorted(name.decode() for name in client.smembers(_names_key()))
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.exists(_beat_key(name))
        alive = pipe.execute()
    dead = [name for name, up in zip(names, alive, strict=True) if not up]
    if dead:
        client.srem(_names_key(), *dead)
    return [name for name, up in zip(names, alive, strict=True) if up]


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Renews this worker's key every INTERVAL_S from the worker's timer, which runs beside the
    pool, so a worker busy with a long training still beats; removes the key on a clean stop."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry: Any = None
        self.hostname = ""
        self.client = redis_client(timeout_s=2.0)

    def start(self, worker: Any) -> None:
        self.hostname = worker.hostname
        self.beat()
        self.timer_entry = worker.timer.call_repeatedly(INTERVAL_S, self.beat, priority=10)

    def beat(self) -> None:
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.set(_beat_key(self.hostname), "1", ex=TTL_S)
                pipe.sadd(_names_key(), self.hostname)
                pipe.execute()
        except redis.RedisError as exc:
            # Redis being down is already what /healthz reports; the next beat tries again.
            logger.warning("Worker heartbeat not written: %s", exc)

    def stop(self, worker: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
        try:
            self.client.delete(_beat_key(self.hostname))
        except redis.RedisError as exc:
            logger.warning("Worker heartbeat not removed: %s", exc)
