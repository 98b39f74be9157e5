"""The database, not the broker, says what should run: a queued job whose message was lost is
sent again and runs, and an import whose worker was killed is failed as worker lost. Either
way the project is not locked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from projects.formats import Source
from projects.importers import INLINE_LIMIT, start_import
from projects.landing import staging_dir
from projects.models import ImportJob
from studio.celery import app
from studio.errors import Conflict
from studio.processes import Child, stop_all
from tests.conftest import ROOT, subprocess_env
from tests.integration.training.conftest import add_tagged, wait_for_job
from tests.integration.training.test_train_worker_killed import (  # noqa: F401  (fixture)
    QUEUES,
    only_our_workers,
    wait_until,
)
from training import services
from training.models import JobStatus, TrainingJob

# The shared worker stops consuming meanwhile, so our short ages apply.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.usefixtures("only_our_workers"),
]


def start_worker(name: str, schedule: Path) -> subprocess.Popen:
    """A worker with beat inside and short stale and resend ages, so recovery takes seconds."""
    hostname = f"{name}-{os.getpid()}@{socket.gethostname()}"
    env = subprocess_env(
        STUDIO_STALE_JOB_SECONDS="2",
        STUDIO_RESEND_AFTER_SECONDS="1",
        STUDIO_REAP_INTERVAL_SECONDS="1",
    )
    args = [sys.executable, "-m", "celery", "-A", "studio", "worker", "--queues", ",".join(QUEUES),
            "--concurrency", "1", "--loglevel", "WARNING", "--hostname", hostname,
            "--without-gossip", "--without-mingle",
            "--beat", "--schedule", str(schedule)]  # fmt: skip
    worker = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=1):
        assert worker.poll() is None, "the worker exited while starting"
        assert time.monotonic() < deadline, "the worker never answered"
    return worker


def stop(worker: subprocess.Popen) -> None:
    stop_all([Child("worker", [], stop_signal=signal.SIGQUIT, process=worker)], grace_s=5)


def csv_source(rows: int) -> Source:
    lines = ["name,text,label", *(f"doc-{i},Message number {i},Billing" for i in range(rows))]
    return Source("tickets.csv", ("\n".join(lines) + "\n").encode())


def test_a_queued_job_whose_message_was_lost_is_sent_again_and_runs(project, owner, tmp_path):
    add_tagged(project)
    # The row start_training commits, but no message: the broker lost it in a restart.
    job = TrainingJob.objects.create(
        project=project,
        model_name="m",
        options={"mode": "quick", "split": "automatic", "seed": 42},
        expires_at=timezone.now() + timedelta(days=7),
    )
    with pytest.raises(Conflict):
        services.start_training(project=project, model_name="m", user=owner)

    worker = start_worker("resender", tmp_path / "beat-schedule")
    try:
        ended = wait_for_job(str(job.job_id), timeout_s=120)
        assert ended.status == JobStatus.SUCCEEDED, ended.errors
        assert ended.sends == 2

        again = services.start_training(project=project, model_name="m", user=owner)
        assert wait_for_job(str(again.job_id)).status == JobStatus.SUCCEEDED
    finally:
        stop(worker)


def test_an_import_whose_worker_was_killed_is_failed_as_worker_lost(project, owner, tmp_path):
    doomed = start_worker("doomed", tmp_path / "doomed-schedule")
    try:
        job = start_import(project, [csv_source(20_000)], user=owner)
        assert isinstance(job, ImportJob)
        wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, done__gt=0).first(),
            60,
            "the import to land its first batch",
        )
    finally:
        os.killpg(doomed.pid, signal.SIGKILL)  # no cleanup code of ours runs
        doomed.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # nothing told the database

    reaper = start_worker("reaper", tmp_path / "reaper-schedule")
    try:
        failed = wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).first(),
            60,
            "the reaper to fail the lost import",
        )
        assert "worker lost" in failed.error
        assert not staging_dir(failed).exists()

        again = start_import(project, [csv_source(INLINE_LIMIT + 10)], user=owner)
        assert isinstance(again, ImportJob)
        done = wait_until(
            lambda: ImportJob.objects.filter(pk=again.pk, status=JobStatus.SUCCEEDED).first(),
            60,
            "the new import to succeed",
        )
        assert done.report is not None
    finally:
        stop(reaper)
