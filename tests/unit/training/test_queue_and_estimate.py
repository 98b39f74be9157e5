"""Reads the Train page shows around a run: a queued job's place in the training queue (every
project's), and standard mode's expected duration before Train is clicked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.models import Class, Document, Tag
from training import selectors
from training.job_json import jobs_json
from training.models import JobStatus, TrainingJob

pytestmark = pytest.mark.django_db


def _job(project, status=JobStatus.NOT_STARTED, minutes_ago=0, **fields) -> TrainingJob:
    job = TrainingJob.objects.create(project=project, model_name="m", status=status, **fields)
    TrainingJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    job.refresh_from_db()
    return job


def test_a_queued_job_counts_the_older_queued_jobs_of_every_project(make_project):
    a, b, c = make_project("A"), make_project("B"), make_project("C")
    _job(a, status=JobStatus.RUNNING, minutes_ago=9)
    _job(b, status=JobStatus.SUCCEEDED, minutes_ago=8)
    first = _job(b, minutes_ago=5)
    second = _job(c, minutes_ago=1)
    positions = selectors.queue_positions([second, first])
    assert positions == {
        first.pk: {"position": 1, "running": True},
        second.pk: {"position": 2, "running": True},
    }


def test_a_lone_queued_job_is_first_with_nothing_running(project):
    job = _job(project)
    assert selectors.queue_positions([job]) == {job.pk: {"position": 1, "running": False}}


def test_started_jobs_have_no_queue_place_and_cost_no_query(project):
    job = _job(project, status=JobStatus.RUNNING)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.queue_positions([job]) == {}
    assert len(queries) == 0
    assert jobs_json([job])[0]["queue_position"] is None


def test_reading_the_queue_writes_nothing(make_project):
    job = _job(make_project("A"), minutes_ago=2)
    _job(make_project("B"), status=JobStatus.RUNNING)
    with CaptureQueriesContext(connection) as queries:
        payload = jobs_json([job])[0]
    assert (payload["queue_position"], payload["queue_running"]) == (1, True)
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)


def _tag(project, texts: dict[str, list[str]]) -> None:
    for name, rows in texts.items():
        cls = Class.objects.create(project=project, name=name)
        for i, text in enumerate(rows):
            doc = Document.objects.create(project=project, name=f"{name}-{i}.txt", text=text)
            Tag.objects.create(document=doc, category=cls)


def test_standard_estimate_uses_the_engines_epoch_rule_and_rate(project):
    # 61 short documents: 49 train, 6 validation; 2 steps an epoch, so 50 epochs.
    _tag(project, {"a": ["x" * 35] * 31, "b": ["y" * 35] * 30})
    estimate = selectors.training_readiness(project)["splits"]["automatic"]["standard_estimate"]
    assert estimate == {
        "epochs": 50,
        "seconds": 94,  # 55 documents x 50 epochs x (0.025 + 9 word pieces x 0.001) s
        "seconds_per_epoch": 1.87,
        "may_stop_early": False,
    }


def test_standard_estimate_may_stop_early_with_enough_validation_documents():
    estimate = selectors.standard_estimate(800, 100, mean_chars=400)
    assert estimate["epochs"] == 4
    assert estimate["may_stop_early"] is True
    assert estimate["seconds"] == round(900 * 4 * (0.025 + 82 * 0.001))
