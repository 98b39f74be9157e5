"""A worker killed with SIGKILL mid-training must not lock the project: once the job's
heartbeat is stale, the periodic reaper (Celery beat) marks it failed, "worker lost", and the
project trains again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.celery import app
from studio.processes import Child, stop_all
from tests.conftest import ROOT, subprocess_env
from tests.integration.training.conftest import add_tagged, wait_for_job
from training import services
from training.models import JobStatus, TrainedModel, TrainingJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

QUEUES = ["default", "training"]
STALE_S = 4


def start_worker(name: str, schedule: Path | None = None) -> tuple[subprocess.Popen, str]:
    """A worker of our own with a short stale-job age; with `schedule`, beat runs inside it."""
    hostname = f"{name}-{os.getpid()}@{socket.gethostname()}"
    env = subprocess_env(STUDIO_STALE_JOB_SECONDS=str(STALE_S), STUDIO_REAP_INTERVAL_SECONDS="1")
    args = [sys.executable, "-m", "celery", "-A", "studio", "worker", "--queues", ",".join(QUEUES),
            "--concurrency", "1", "--loglevel", "WARNING", "--hostname", hostname,
            "--without-gossip", "--without-mingle"]  # fmt: skip
    if schedule is not None:
        args += ["--beat", "--schedule", str(schedule)]
    worker = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=1):
        assert worker.poll() is None, "the worker exited while starting"
        assert time.monotonic() < deadline, "the worker never answered"
    return worker, hostname


@pytest.fixture
def only_our_workers() -> Iterator[None]:
    """Other workers of this test session (the shared one) stop consuming while this test runs,
    so the job lands on the worker we kill and the reaper runs with our short stale age."""
    others = list((app.control.inspect(timeout=1).active_queues() or {}).keys())
    for queue in QUEUES:
        if others:
            app.control.cancel_consumer(queue, destination=others, reply=True, timeout=2)
    try:
        yield
    finally:
        for queue in QUEUES:
            if others:
                app.control.add_consumer(queue, destination=others, reply=True, timeout=2)


def wait_until(predicate, timeout_s: float, what: str) -> TrainingJob:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = predicate()
        if job is not None:
            return job
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_worker_is_reaped_as_worker_lost_and_the_project_trains_again(
    only_our_workers, project, owner, tmp_path
):
    add_tagged(project)
    doomed, _ = start_worker("doomed")
    try:
        job = services.start_training(
            project=project, model_name="m", user=owner, mode="standard", epochs=100
        )
        running = wait_until(
            lambda: TrainingJob.objects.filter(
                pk=job.pk, status=JobStatus.RUNNING, phase="training", epoch__gte=1
            ).first(),
            180,
            "the job to reach its first epoch",
        )
        assert running.epochs == 100
    finally:
        # kill -9 on the worker and its pool: no cleanup code of ours runs.
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # nothing told the database

    reaper, _ = start_worker("reaper", schedule=tmp_path / "beat-schedule")
    try:
        failed = wait_until(
            lambda: TrainingJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).first(),
            STALE_S + 60,
            "beat's reaper to fail the lost job",
        )
        assert failed.errors[0]["code"] == "WorkerLost"
        assert "worker lost" in failed.errors[0]["message"]
        assert failed.ended_at is not None
        assert not TrainedModel.objects.filter(project=project, name="m", version__gt=0).exists()

        again = services.start_training(project=project, model_name="m", user=owner)
        assert wait_for_job(str(again.job_id)).status == JobStatus.SUCCEEDED
        assert TrainedModel.objects.get(project=project, name="m").version == 1
    finally:
        stop_all([Child("reaper", [], stop_signal=signal.SIGQUIT, process=reaper)], grace_s=5)
