"""Celery interfaces for training: take ids, call the worker body, own only the delivery policy."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from projects.tasks import IMPORT_JOBS
from studio.jobs import reap
from training.api.azure.runtime import ANALYZE_JOB_TASK, ANALYZE_JOBS, run_analyze_job
from training.services import RUN_JOB_TASK, TRAINING_JOBS
from training.worker import run_training_job


@shared_task(name=RUN_JOB_TASK, acks_late=True)
def run_job_task(job_id: str) -> str:
    """Train one job. Late acks make a killed worker's message come back; the worker body's
    conditional claim makes that redelivery harmless. No retries: a failure is reported on
    the job, and training again is the user's call."""
    return run_training_job(job_id)


@shared_task(name=ANALYZE_JOB_TASK, acks_late=True)
def analyze_job(job_pk: int) -> None:
    """Predict one analyze-text job too large to predict during the request. The body's claim
    makes a redelivered message harmless."""
    run_analyze_job(job_pk)


@shared_task(name="training.fail_stale_jobs")
def fail_stale_jobs_task() -> int:
    """The periodic reaper (beat) for every kind of worker-run job: fails jobs whose worker
    died and sends again queued jobs whose message the broker lost."""
    return reap([TRAINING_JOBS, IMPORT_JOBS, ANALYZE_JOBS], timezone.now())


@worker_ready.connect
def _reap_on_start(**_: object) -> None:
    """A worker starting may follow a crash or a broker restart: check at once rather than at
    beat's next tick."""
    fail_stale_jobs_task.delay()
