"""One lifecycle for every job table: the status words, the columns and the claim they share,
the heartbeat thread, the reaper, and each table's expiry.

The database, not the broker, says what should run. A running job whose worker stopped beating
is failed; a queued job whose message was lost (a broker restarted without it, a flushed queue)
is sent again, or failed after a few sends, so no project stays locked by a job nothing runs.
Reaping is a write: the periodic reaper and the write paths do it, never a read.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import close_old_connections, connection, models
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)

# Sends of one job, the first included, while no job on its queue ran: past this, no worker
# consumes that queue and the job is failed with a reason instead of waiting for ever.
MAX_SENDS = 3
# Beats well inside the stale-job age, so a live worker is never taken for a lost one.
MAX_HEARTBEAT_INTERVAL_S = 20.0


class JobStatus(models.TextChoices):
    # Values are Azure's wire words, so no mapping layer sits between the row and the API.
    NOT_STARTED = "notStarted", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLING = "cancelling", "Cancelling"
    CANCELLED = "cancelled", "Cancelled"
    # Some of the job's parts succeeded and some failed.
    PARTIALLY_COMPLETED = "partiallyCompleted", "Partially completed"


# Every job table's status column is this wide: room for the longest wire word and a few more.
JOB_STATUS_LENGTH = 20
ACTIVE_STATUSES = [JobStatus.NOT_STARTED, JobStatus.RUNNING, JobStatus.CANCELLING]
# A worker holds the job: it beats, and the reaper fails it when the beats stop.
RUNNING_STATUSES = [JobStatus.RUNNING, JobStatus.CANCELLING]


def status_field(default: str = JobStatus.NOT_STARTED) -> models.CharField:
    return models.CharField(
        max_length=JOB_STATUS_LENGTH, choices=JobStatus.choices, default=default
    )


class Job(models.Model):
    """The columns every job table shares, and the claim that lets one delivery run a job."""

    status = status_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The worker's claim and heartbeat, and the messages sent: what the reaper reads.
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # More than one when the reaper found the message lost and sent it again.
    sends = models.PositiveSmallIntegerField(default=1)

    class Meta:
        abstract = True

    @classmethod
    def claim(cls, where: Q, **fields: Any) -> bool:
        """`notStarted → running` for the job `where` selects, in one conditional UPDATE:
        of two deliveries of one message (late acks, a resend) exactly one gets True."""
        now = timezone.now()
        return bool(
            cls._default_manager.filter(where, status=JobStatus.NOT_STARTED).update(
                status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, updated_at=now, **fields
            )
        )


class AzureJob(Job):
    """A job that Azure's routes show: its id, expiry and the errors and warnings it reports."""

    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    expires_at = models.DateTimeField()
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)

    # The setting that says, in hours, how long this kind of job stays readable.
    lifetime_setting: ClassVar[str] = "STUDIO_JOB_LIFETIME_HOURS"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.expires_at is None:
            hours = getattr(settings, self.lifetime_setting)
            self.expires_at = timezone.now() + timedelta(hours=hours)
        super().save(*args, **kwargs)


def is_job_id(value: str) -> bool:
    """Whether a string can be a job's id. Azure's routes take any string where an id goes, and
    a malformed one is as missing as an unknown one (the database would refuse to compare it)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def stale_job_age() -> timedelta:
    """How long a worker may stay silent before its job counts as lost (a setting, so the
    kill -9 tests use seconds while production waits minutes)."""
    return timedelta(seconds=settings.STUDIO_STALE_JOB_SECONDS)


def resend_age() -> timedelta:
    """How long a queued job may wait, while no job on its queue runs, before its message
    counts as lost."""
    return timedelta(seconds=settings.STUDIO_RESEND_AFTER_SECONDS)


def heartbeat_interval() -> float:
    return min(MAX_HEARTBEAT_INTERVAL_S, settings.STUDIO_STALE_JOB_SECONDS / 4)


def stale(now: datetime) -> Q:
    """Running jobs whose worker stopped beating (killed, out of memory, machine gone)."""
    before = now - stale_job_age()
    return Q(status__in=RUNNING_STATUSES) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    )


class Heartbeat:
    """A background thread that stamps the job's `heartbeat_at` while a worker holds it, so
    long silent steps never look like a dead worker. Context manager."""

    def __init__(self, job: Job) -> None:
        self.rows = type(job)._default_manager.filter(pk=job.pk, status__in=RUNNING_STATUSES)
        self.interval_s = heartbeat_interval()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job.pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stopped.wait(self.interval_s):
                self.rows.update(heartbeat_at=timezone.now())
        finally:
            close_old_connections()
            connection.close()


@dataclass(frozen=True)
class JobKind:
    """What the reaper needs to know of one table of worker-run jobs.

    `queue` is the Celery queue its task goes to: a job waiting while any job on that queue
    runs is merely queued behind it, whatever table that one lives in. `fail(job, code,
    message)` ends a job with a reason the way its table records reasons, only if the job is
    still in the status it was read with, and returns the rows it changed.
    """

    model: type[Job]
    queue: str
    send: Callable[[Any], None]
    fail: Callable[[Any, str, str], int]
    # What the user reads when the worker died, and when no worker ever took the job.
    lost: str
    unclaimed: str


def reap(kinds: Sequence[JobKind], now: datetime) -> int:
    """The one reaper (beat runs it periodically, and each worker once when it starts): fail
    lost jobs of every kind, then send again the queued jobs whose message is gone. Returns
    the jobs failed or sent again."""
    handled = sum(fail_lost(kind, now) for kind in kinds)
    busy = {
        kind.queue
        for kind in kinds
        if kind.model._default_manager.filter(status__in=RUNNING_STATUSES).exists()
    }
    return handled + sum(_resend_lost(kind, now) for kind in kinds if kind.queue not in busy)


def fail_lost(kind: JobKind, now: datetime, **scope: Any) -> int:
    """Fail the running jobs (among `scope`) whose worker stopped beating, and the queued ones
    past their expiry. Write paths call it for the rows they are about to depend on."""
    rows = kind.model._default_manager.filter(**scope)
    failed = sum(kind.fail(job, "WorkerLost", kind.lost) for job in rows.filter(stale(now)))
    if issubclass(kind.model, AzureJob):
        expired = rows.filter(status=JobStatus.NOT_STARTED, expires_at__lt=now)
        message = "The job waited too long for a worker and expired."
        failed += sum(kind.fail(job, "JobExpired", message) for job in expired)
    return failed


def _resend_lost(kind: JobKind, now: datetime) -> int:
    """Send again each queued job that waited past the resend age (the caller checked that
    nothing runs on its queue); fail a job sent MAX_SENDS times.

    A message that was not lost after all is harmless: the claim lets one delivery run the job.
    """
    rows = kind.model._default_manager
    handled = 0
    for job in rows.filter(status=JobStatus.NOT_STARTED, updated_at__lt=now - resend_age()):
        if job.sends >= MAX_SENDS:
            handled += kind.fail(job, "NoWorker", kind.unclaimed)
            continue
        # Conditional, so two reapers racing send one message.
        if rows.filter(pk=job.pk, status=JobStatus.NOT_STARTED, sends=job.sends).update(
            sends=F("sends") + 1, updated_at=now
        ):
            log.warning("Sending %s %s again: its message was lost", kind.model.__name__, job.pk)
            kind.send(job)
            handled += 1
    return handled
