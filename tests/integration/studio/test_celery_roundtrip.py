"""A task travels from this process through real Redis to a real worker process and back."""

import os

import pytest

from studio.tasks import echo_task

pytestmark = pytest.mark.django_db(transaction=True)


def test_task_runs_in_a_worker_process_via_redis(celery_worker_process):
    result = echo_task.apply_async(args=["hello"], queue="default")
    assert result.get(timeout=30) == "hello"


def test_training_queue_is_served(celery_worker_process):
    result = echo_task.apply_async(args=[str(os.getpid())], queue="training")
    assert result.get(timeout=30) == str(os.getpid())
