"""The one job JSON: the studio API, the websocket events and the Train page carry the same dict,
and a succeeded job's names the model version it produced."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from projects.models import Project
from training import progress
from training.events import snapshot
from training.job_json import jobs_json
from training.models import JobStatus, TrainedModel, TrainingJob

pytestmark = pytest.mark.django_db


def succeeded_job(project: Project, name: str = "m", *, version: int = 2) -> TrainingJob:
    ended = timezone.now()
    TrainedModel.objects.update_or_create(
        project=project,
        name=name,
        defaults={"version": version, "evaluation": {"micro_f1": 0.875}, "trained_at": ended},
    )
    return TrainingJob.objects.create(
        project=project,
        model_name=name,
        status=JobStatus.SUCCEEDED,
        options={"mode": "standard"},
        phase="done",
        percent=100,
        started_at=ended - timedelta(seconds=83),
        ended_at=ended,
        history=[{"epoch": 1, "step": 4, "loss": 0.5}],
        warnings=[{"code": "EvaluationUnavailable", "message": "No test documents."}],
    )


def embedded_page_data(user: User, project: Project) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    html = client.get(f"/projects/{project.name}/train/").content.decode()
    return json.loads(re.search(r'id="train-data" type="application/json">(.*?)</script>', html)[1])


def test_api_socket_and_page_carry_the_same_job_json(project, editor, monkeypatch):
    job = succeeded_job(project)
    sent = []
    monkeypatch.setattr(progress, "broadcast", lambda project_id, event: sent.append(event))
    progress.publish(TrainingJob.objects.get(pk=job.pk), "job.finished")
    event = {key: value for key, value in sent[0].items() if key != "type"}

    client = Client()
    client.force_login(editor)
    base = f"/api/projects/{project.name}"
    assert client.get(f"{base}/jobs/{job.job_id}").json() == event
    assert client.get(f"{base}/jobs").json()["value"] == [event]
    assert snapshot(project.id, project.name)["jobs"] == [event]
    assert embedded_page_data(editor, project)["jobs"] == [event]
    assert event["model"] == {"version": 2, "f1": 0.875, "trained_at": job.ended_at.isoformat()}
    assert event["history"] == [{"epoch": 1, "step": 4, "loss": 0.5}]
    assert event["warnings"][0]["code"] == "EvaluationUnavailable"


def test_a_job_whose_version_was_replaced_names_no_model(project):
    older = succeeded_job(project, version=1)
    newer = succeeded_job(project, version=2)
    failed = TrainingJob.objects.create(project=project, model_name="m", status=JobStatus.FAILED)
    assert [j["model"] for j in jobs_json([newer, older, failed])] == [
        {"version": 2, "f1": 0.875, "trained_at": newer.ended_at.isoformat()},
        None,
        None,
    ]


def test_a_job_list_reads_its_models_in_one_query(project, django_assert_num_queries):
    jobs = [succeeded_job(project, name) for name in ("a", "b", "c")]
    with django_assert_num_queries(1):
        assert [j["model"]["version"] for j in jobs_json(jobs)] == [2, 2, 2]


def test_the_page_renders_each_job_row_with_its_status_badge(project, editor):
    job = succeeded_job(project)
    client = Client()
    client.force_login(editor)
    html = client.get(f"/projects/{project.name}/train/").content.decode()
    row = re.search(rf'<tr data-job="{job.job_id}">(.*?)</tr>', html, re.S)[1]
    assert '<span class="badge status-succeeded">Succeeded</span>' in row
    assert '<td class="num">83 s</td>' in row
    assert "<td>Trained</td>" in row
    assert embedded_page_data(editor, project)["statuses"]["notStarted"] == "Queued"
