"""Tasks that prove the plumbing works: a worker answering through the real broker."""

from celery import shared_task


@shared_task(name="studio.echo")
def echo_task(value: str) -> str:
    return value
