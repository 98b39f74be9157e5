"""Celery interfaces for training: take ids, call the worker body, own only the delivery policy."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from projects.landing import REFRESH_TAG_QUEUE_TASK
from projects.services import AUTO_RETRAIN_TASK
from projects.tasks import IMPORT_JOBS
from studio.jobs import reap
from training import assist
from training.api.azure.runtime import ANALYZE_JOB_TASK, ANALYZE_JOBS, run_analyze_job
from training.services import ASSIST_TASK, RUN_JOB_TASK, TRAINING_JOBS, retrain_if_due
from training.worker import run_training_job


@shared_task(name=RUN_JOB_TASK, acks_late=True)
def run_job_task(job_id: str) -> str:
    """Train one job. Late acks make a killed worker's message come back; the worker body's
    conditional claim makes that redelivery harmless. No retries: a failure is reported on
    the job, and training again is the user's call."""
    return run_training_job(job_id)


@shared_task(name=ASSIST_TASK)
def compute_assist_task(project_id: int) -> str:
    """After a training: the tag-next queue and the mislabelled list from the new model.
    Recomputing is harmless, so a lost message costs only freshness (the next training)."""
    return assist.compute_after_training(project_id)


@shared_task(name=REFRESH_TAG_QUEUE_TASK)
def refresh_tag_queue_task(project_id: int, after_import: bool = False) -> str:
    """The tag-next queue alone: after an import, or asked for through the refresh route."""
    return assist.refresh_tag_queue(project_id, after_import=after_import)


@shared_task(name=AUTO_RETRAIN_TASK)
def retrain_if_due_task(project_id: int) -> str:
    """Sent after tags land in a project with automatic retraining on."""
    return retrain_if_due(project_id)


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
