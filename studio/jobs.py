"""What every worker-run job table shares: the heartbeat thread, the staleness rule for a
running job, and sending a queued job again when its broker message is gone.

The database, not the broker, says what should run. A queued job whose message was lost (a
broker restarted without it, a flushed queue) would otherwise lock its project for good.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, models
from django.db.models import F, Q

log = logging.getLogger(__name__)

# Sends of one job, the first included, while no job of its kind ran: past this, no worker
# consumes that queue and the job is failed with a reason instead of waiting for ever.
MAX_SENDS = 3
# Beats well inside the stale-job age, so a live worker is never taken for a lost one.
MAX_HEARTBEAT_INTERVAL_S = 20.0


def stale_job_age() -> timedelta:
    """How long a worker may stay silent before its job counts as lost (a setting, so the
    kill -9 tests use seconds while production waits minutes)."""
    return timedelta(seconds=settings.STUDIO_STALE_JOB_SECONDS)


def resend_age() -> timedelta:
    """How long a queued job may wait, while no job of its kind runs, before its message
    counts as lost."""
    return timedelta(seconds=settings.STUDIO_RESEND_AFTER_SECONDS)


def heartbeat_interval() -> float:
    return min(MAX_HEARTBEAT_INTERVAL_S, settings.STUDIO_STALE_JOB_SECONDS / 4)


def stale(now: datetime, running: Sequence[str]) -> Q:
    """Running jobs whose worker stopped beating (killed, out of memory, machine gone)."""
    before = now - stale_job_age()
    return Q(status__in=running) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    )


class Heartbeat:
    """A background thread that stamps the job's `heartbeat_at` while its status is one of
    `running`, so long silent steps never look like a dead worker. Context manager."""

    def __init__(self, model: type[models.Model], pk: object, running: Sequence[str]) -> None:
        self.rows = model._default_manager.filter(pk=pk, status__in=list(running))
        self.interval_s = heartbeat_interval()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from django.utils import timezone

        try:
            while not self._stopped.wait(self.interval_s):
                self.rows.update(heartbeat_at=timezone.now())
        finally:
            close_old_connections()
            connection.close()


def resend_lost(
    model: type[models.Model],
    now: datetime,
    *,
    queued: str,
    running: Sequence[str],
    send: Callable[[models.Model], None],
    give_up: Callable[[models.Model], int],
) -> int:
    """Send again each `queued` job that waited past the resend age while no job of its kind
    ran; `give_up` fails a job sent MAX_SENDS times. Returns the jobs resent or failed.

    A job merely waiting behind a running one is left alone, so a long training never
    multiplies the messages of the jobs queued behind it. A message that was not lost after
    all is harmless: the task's conditional claim lets one delivery run the job.
    """
    rows = model._default_manager
    if rows.filter(status__in=list(running)).exists():
        return 0
    handled = 0
    for job in rows.filter(status=queued, updated_at__lt=now - resend_age()):
        if job.sends >= MAX_SENDS:
            handled += give_up(job)
            continue
        # Conditional, so two reapers racing send one message.
        if rows.filter(pk=job.pk, status=queued, sends=job.sends).update(
            sends=F("sends") + 1, updated_at=now
        ):
            log.warning("Sending queued %s %s again: its message was lost", model.__name__, job.pk)
            send(job)
            handled += 1
    return handled
