"""Celery task for analyze-text jobs too large to predict during the request."""

from celery import shared_task

from training.prediction import ANALYZE_JOB_TASK, run_analyze_job


@shared_task(name=ANALYZE_JOB_TASK, acks_late=True)
def analyze_job(job_pk: int) -> None:
    run_analyze_job(job_pk)
