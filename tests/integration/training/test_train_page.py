"""The Train page and the studio training API behind it: readiness, model-name rules, one job
at a time, and who may train."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.integration.training.conftest import TEXTS, add_tagged
from training import selectors, services
from training.models import JobStatus, TrainedModel

pytestmark = pytest.mark.django_db


def page_for(user, project) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/projects/{project.name}/train/")
    assert response.status_code == 200
    return response.content.decode()


def api_for(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_page_renders_the_form_and_readiness_per_class(project, editor):
    add_tagged(project)
    html = page_for(editor, project)
    assert 'id="train-form"' in html
    assert "Create a new model" in html
    assert re.search(r'<th scope="row"><span class="name" title="sport">sport</span></th>'
                     r'<td class="num">12</td>', html)  # fmt: skip
    assert "too few" in html  # 12 < 15 documents per class
    # 24 documents, automatic split: 20 / 2 / 2, and an evaluation.
    assert '<dd data-part="train">20</dd>' in html
    assert '<dd data-part="test">2</dd>' in html
    assert "Evaluation will run on the 2 test documents." in html
    assert re.search(r'id="train-button" type="submit"\s*>', html)


def test_fewer_than_ten_documents_train_without_evaluation_and_say_why(project, editor):
    add_tagged(project, {name: lines[:4] for name, lines in TEXTS.items()})
    html = page_for(editor, project)
    assert "Training will run, but there will be no evaluation" in html
    assert "Only 8 documents: an evaluation needs at least 10" in html
    readiness = selectors.training_readiness(project)
    assert readiness["can_train"]
    assert not readiness["splits"]["automatic"]["evaluation"]


def test_one_class_cannot_train_and_the_page_says_so(project, editor):
    add_tagged(project, {"sport": TEXTS["sport"]})
    html = page_for(editor, project)
    assert "Training needs tagged documents in at least 2 classes" in html
    assert re.search(r'id="train-button" type="submit" disabled', html)


def test_existing_models_are_listed_with_last_trained_time_and_f1(project, editor):
    TrainedModel.objects.create(
        project=project,
        name="Prod-1",
        version=2,
        evaluation={"micro_f1": 0.8765},
        trained_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
    )
    html = page_for(editor, project)
    assert "Prod-1 · trained 2026-03-04 05:06 · F1 0.877" in html


def test_model_name_rules_are_explained_and_enforced_by_the_server(project, editor):
    add_tagged(project)
    html = page_for(editor, project)
    assert "letters, digits, underscores (_), dots (.) or hyphens (-); no spaces" in html
    answer = api_for(editor).post(
        f"/api/projects/{project.name}/train",
        {"model_name": "my model!"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["target"] == "model_name"
    assert "no spaces" in error["message"]
    assert not project.jobs.exists()


def test_train_is_disabled_with_a_link_while_a_job_waits(project, editor):
    add_tagged(project)
    services.start_training(project=project, model_name="first", user=editor)
    html = page_for(editor, project)
    assert re.search(r'id="train-button" type="submit" disabled', html)
    assert "A training job is queued in this project (first)" in html
    assert 'href="#live-title"' in html
    answer = api_for(editor).post(
        f"/api/projects/{project.name}/train", {"model_name": "second"}, "application/json"
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "Conflict"


def test_retraining_an_existing_model_needs_the_overwrite_confirmation(project, editor):
    add_tagged(project)
    TrainedModel.objects.create(project=project, name="m", version=1, trained_at=timezone.now())
    client = api_for(editor)
    url = f"/api/projects/{project.name}/train"
    refused = client.post(url, {"model_name": "m"}, "application/json")
    assert refused.status_code == 409
    assert "confirm to overwrite" in refused.json()["error"]["message"]
    accepted = client.post(url, {"model_name": "m", "overwrite": True}, "application/json")
    assert accepted.status_code == 202
    assert accepted.json()["status"] == JobStatus.NOT_STARTED


def test_viewer_sees_status_but_cannot_train_or_cancel(project, viewer, editor):
    add_tagged(project)
    job = services.start_training(project=project, model_name="m", user=editor)
    html = page_for(viewer, project)
    assert 'id="train-form"' not in html
    assert 'id="cancel-button"' not in html
    assert 'id="jobs-table"' in html
    client = api_for(viewer)
    base = f"/api/projects/{project.name}"
    assert client.post(f"{base}/train", {"model_name": "x"}, "application/json").status_code == 403
    assert client.post(f"{base}/jobs/{job.job_id}/cancel").status_code == 403
    listed = client.get(f"{base}/jobs").json()["value"]
    assert [j["job_id"] for j in listed] == [str(job.job_id)]


def test_outsider_gets_a_404_page(project, outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/projects/{project.name}/train/").status_code == 404


def test_cancel_through_the_api_ends_a_queued_job(project, editor):
    add_tagged(project)
    job = services.start_training(project=project, model_name="m", user=editor)
    client = api_for(editor)
    answer = client.post(f"/api/projects/{project.name}/jobs/{job.job_id}/cancel")
    assert answer.status_code == 202
    assert answer.json()["status"] == JobStatus.CANCELLED
    again = client.post(f"/api/projects/{project.name}/jobs/{job.job_id}/cancel")
    assert again.status_code == 409
    missing = client.get(f"/api/projects/{project.name}/jobs/not-a-job")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFound"
    assert missing.json()["error"]["message"].startswith("No route matches")
