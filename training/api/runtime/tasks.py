"""Celery task for analyze-text jobs too large to predict during the request."""

from celery import shared_task

from training.prediction import run_analyze_job


@shared_task(name="training.analyze_job", acks_late=True)
def analyze_job(job_pk: int) -> None:
    run_analyze_job(job_pk)
