"""Training jobs through services and both API families: race, cancel, failure, lost worker,
websocket events and the error envelope."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.utils import timezone

from tests.integration.training.conftest import add_tagged, wait_for_job
from tests.integration.training.test_jobs_socket import _communicator, _session_cookie
from training import services, worker
from training.models import JobStatus, TrainedModel, TrainingJob

pytestmark = pytest.mark.django_db(transaction=True)

PREVIEW = "/language/text/authoring/v1.0-preview.2/projects"
GA = "/language/authoring/analyze-text/projects"
V = "api-version=2023-04-01"


def test_racing_starts_give_one_202_and_409s(project, owner, client_for):
    add_tagged(project)
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(8)
    # One key for all: regenerating it per thread would revoke the others' keys.
    clients = [client_for(owner)] * 8

    def start() -> None:
        client = clients[0]
        barrier.wait()
        try:
            answer = client.post(
                f"{PREVIEW}/{project.name}/train",
                {"tasks": [{"trainingModelName": "m"}]},
                format="json",
            )
            results.append((answer.status_code, answer.json() if answer.content else {}))
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in results)
    assert codes == [202] + [409] * 7
    for code, body in results:
        if code == 409:
            assert body["error"]["code"] == "Conflict"
            assert "already running" in body["error"]["message"]
    assert TrainingJob.objects.filter(project=project).count() == 1


def test_cancel_then_a_failed_retrain_keep_the_trained_model(celery_worker_process, project, owner):
    add_tagged(project)
    first = services.start_training(project=project, model_name="m", user=owner)
    assert wait_for_job(str(first.job_id)).status == JobStatus.SUCCEEDED
    model = TrainedModel.objects.get(project=project, name="m")
    assert model.version == 1
    path = model.artifact_path

    retrain = services.start_training(
        project=project, model_name="m", user=owner, base_model="/nowhere/no-model"
    )
    failed = wait_for_job(str(retrain.job_id))
    assert failed.status == JobStatus.FAILED
    assert failed.errors[0]["code"] == "BaseModelNotFound"
    assert "/nowhere/no-model" in failed.errors[0]["message"]

    queued = services.start_training(project=project, model_name="m", user=owner)
    services.cancel_job(queued)
    assert wait_for_job(str(queued.job_id)).status == JobStatus.CANCELLED

    model.refresh_from_db()
    assert (model.version, model.artifact_path) == (1, path)
    assert Path(path, "evaluation_results.json").is_file()
    assert not list(Path(path).parent.parent.joinpath(".staging").glob("*"))


def test_redelivered_message_does_not_run_a_claimed_job(project, owner):
    add_tagged(project)
    job = TrainingJob.objects.create(
        project=project,
        model_name="m",
        status=JobStatus.RUNNING,
        heartbeat_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    assert worker.run_training_job(str(job.job_id)) == "skipped (running)"


def test_a_new_training_fails_the_lost_job_that_held_the_project(project, owner, client_for):
    add_tagged(project)
    old = timezone.now() - timedelta(minutes=10)
    job = TrainingJob.objects.create(
        project=project,
        model_name="m",
        status=JobStatus.RUNNING,
        started_at=old,
        heartbeat_at=old,
        expires_at=timezone.now() + timedelta(days=7),
    )
    client = client_for(owner)
    # A read shows the row as it is: failing it is the reaper's and the write paths' work.
    assert client.get(f"{PREVIEW}/{project.name}/train/jobs/{job.job_id}").json()["status"] == (
        "running"
    )
    answer = client.post(f"{GA}/{project.name}/:train?{V}", {"modelLabel": "m"}, format="json")
    assert answer.status_code == 202
    body = client.get(f"{PREVIEW}/{project.name}/train/jobs/{job.job_id}").json()
    assert body["status"] == "failed"
    assert body["errors"][0]["code"] == "WorkerLost"
    assert "worker lost" in body["errors"][0]["message"]


def test_ga_train_job_shape_and_cancel(project, owner, client_for):
    add_tagged(project)
    client = client_for(owner)
    answer = client.post(
        f"{GA}/{project.name}/:train?{V}",
        {
            "modelLabel": "m",
            "trainingConfigVersion": "latest",
            "evaluationOptions": {"kind": "manual"},
        },
        format="json",
    )
    assert answer.status_code == 202
    url = answer["operation-location"]
    assert "/train/jobs/" in url
    assert url.endswith(V)
    job = client.get(url).json()
    assert job["status"] in ("notStarted", "running")  # a worker may have claimed it already
    assert job["result"]["modelLabel"] == "m"
    assert job["result"]["evaluationOptions"] == {"kind": "manual"}
    assert {"jobId", "createdDateTime", "lastUpdatedDateTime", "expirationDateTime"} <= set(job)
    job_id = job["jobId"]
    cancel = client.post(f"{GA}/{project.name}/train/jobs/{job_id}/:cancel?{V}")
    assert cancel.status_code == 202
    wait_for_job(job_id)
    assert client.get(url).json()["status"] == "cancelled"
    again = client.post(f"{GA}/{project.name}/train/jobs/{job_id}/:cancel?{V}")
    assert again.status_code == 409
    listed = client.get(f"{GA}/{project.name}/train/jobs?{V}").json()
    assert [j["jobId"] for j in listed["value"]] == [job_id]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", f"{PREVIEW}/Reviews/train", {"tasks": []}, 400, "InvalidArgument"),
        ("post", f"{PREVIEW}/Reviews/train", {"nope": 1}, 400, "InvalidArgument"),
        (
            "post",
            f"{PREVIEW}/Reviews/train",
            {"tasks": [{"trainingModelName": "bad name!"}]},
            400,
            "InvalidArgument",
        ),
        (
            "post",
            f"{PREVIEW}/Nope/train",
            {"tasks": [{"trainingModelName": "m"}]},
            404,
            "ProjectNotFound",
        ),
        ("get", f"{PREVIEW}/Reviews/train/jobs/not-a-uuid", None, 404, "NotFound"),
        (
            "get",
            f"{PREVIEW}/Reviews/train/jobs/6f1c9d2e-0000-4000-8000-000000000000",
            None,
            404,
            "NotFound",
        ),
        ("post", f"{GA}/Reviews/:train", {"modelLabel": "m"}, 400, "InvalidArgument"),
        ("post", f"{GA}/Reviews/:train?{V}", {}, 400, "InvalidArgument"),
        ("get", f"{GA}/Reviews/models/none?{V}", None, 404, "NotFound"),
        ("get", f"{GA}/Reviews/models/none/evaluation/summary-result?{V}", None, 404, "NotFound"),
    ],
)
def test_bad_requests_answer_in_the_envelope(
    project, owner, client_for, method, path, body, status, code
):
    add_tagged(project)
    answer = getattr(client_for(owner), method)(path, body, format="json")
    assert answer.status_code == status, answer.content
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]


def test_no_tagged_data_is_a_400(project, owner, client_for):
    answer = client_for(owner).post(
        f"{PREVIEW}/{project.name}/train", {"tasks": [{"trainingModelName": "m"}]}, format="json"
    )
    assert answer.status_code == 400
    assert "at least 2 classes" in answer.json()["error"]["message"]
    assert answer.json()["error"]["innererror"]["code"] == "InsufficientTaggedData"


def test_second_start_is_409_and_auth_is_checked(project, owner, viewer, client_for):
    from rest_framework.test import APIClient

    add_tagged(project)
    body = {"tasks": [{"trainingModelName": "m"}]}
    url = f"{PREVIEW}/{project.name}/train"
    assert APIClient().post(url, body, format="json").status_code == 401
    bad_key = APIClient()
    bad_key.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY="wrong")
    assert bad_key.post(url, body, format="json").status_code == 401
    assert client_for(viewer).post(url, body, format="json").status_code == 403
    assert client_for(owner).post(url, body, format="json").status_code == 202
    second = client_for(owner).post(url, body, format="json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "Conflict"


async def test_socket_member_sees_job_events_in_order(
    celery_worker_process, project, viewer, owner
):
    await sync_to_async(add_tagged)(project)
    communicator = _communicator(project.name, await _session_cookie(viewer))
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    job = await sync_to_async(services.start_training)(project=project, model_name="m", user=owner)
    events = []
    while True:
        event = await communicator.receive_json_from(timeout=120)
        assert event["job_id"] == str(job.job_id)
        events.append(event)
        if event["type"] == "job.finished":
            break
    await communicator.disconnect()
    kinds = [e["type"] for e in events]
    assert kinds[0] == "job.created"
    assert kinds[1] == "job.started"
    assert "job.progress" in kinds
    percents = [e["percent"] for e in events]
    assert percents == sorted(percents)
    assert events[-1]["status"] == "succeeded"
    assert events[-1]["percent"] == 100
