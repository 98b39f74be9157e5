"""Progress relay: throttled within a phase, never across phases; cancel reads the row."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from studio.jobs import fail_lost
from training import progress as progress_module
from training import services
from training.models import JobStatus, TrainingJob

pytestmark = pytest.mark.django_db


def _event(phase: str, percent: float, **extra):
    fields = {"step": 1, "epoch": 0, "epochs": 0, "loss": None, "eta_s": None, **extra}
    return SimpleNamespace(phase=phase, percent=percent, **fields)


def _job(project, **fields) -> TrainingJob:
    return TrainingJob.objects.create(
        project=project, model_name="m", expires_at=timezone.now() + timedelta(days=7), **fields
    )


def test_progress_is_throttled_within_a_phase(project, monkeypatch):
    sent = []
    monkeypatch.setattr(progress_module, "publish", lambda job, kind, **_: sent.append(job.percent))
    relay = progress_module.JobProgress(_job(project, status=JobStatus.RUNNING))
    for i in range(50):
        relay.on_progress(_event("encoding", float(i)))
    relay.on_progress(_event("training", 60.0, epoch=1, loss=0.5))
    relay.on_progress(_event("done", 100.0))
    assert sent[0] == 0.0
    assert len(sent) <= 5  # one per phase change, the rest dropped inside 0.3 s
    row = TrainingJob.objects.get(pk=relay.job.pk)
    assert (row.phase, row.percent) == ("saving", 99.0)
    assert row.history == [{"epoch": 1, "step": 1, "loss": 0.5}]


def test_progress_events_carry_only_the_loss_points_added_since_the_last_one(project, monkeypatch):
    events = []
    monkeypatch.setattr(progress_module, "MIN_INTERVAL_S", 0)
    monkeypatch.setattr(
        progress_module, "broadcast", lambda project_id, event: events.append(event)
    )
    relay = progress_module.JobProgress(_job(project, status=JobStatus.RUNNING))
    first = {"epoch": 1, "step": 1, "loss": 0.9}
    second = {"epoch": 1, "step": 2, "loss": 0.7}
    relay.on_progress(_event("training", 50.0, **first))
    relay.on_progress(_event("training", 55.0, **second))
    relay.on_progress(_event("training", 56.0, **second))  # the same point again: nothing new
    assert [e["history_added"] for e in events] == [[first], [second], []]
    assert all("history" not in e and e["type"] == "job.progress" for e in events)
    assert events[-1]["percent"] == 56.0
    assert TrainingJob.objects.get(pk=relay.job.pk).history == [first, second]


def test_should_stop_follows_the_row(project):
    job = _job(project, status=JobStatus.RUNNING)
    relay = progress_module.JobProgress(job)
    assert relay.should_stop() is False
    TrainingJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLING)
    relay._last_check = float("-inf")
    assert relay.should_stop() is True


def test_expired_queued_jobs_fail_and_fresh_ones_stay(project):
    expired = _job(project)
    TrainingJob.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    assert fail_lost(services.TRAINING_JOBS, timezone.now()) == 1
    expired.refresh_from_db()
    assert expired.status == JobStatus.FAILED
    assert expired.errors[0]["code"] == "JobExpired"
    fresh = _job(project)
    assert fail_lost(services.TRAINING_JOBS, timezone.now()) == 0
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.NOT_STARTED
