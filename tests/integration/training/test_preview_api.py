"""The seed's preview routes, driven end to end with a real worker, Redis and database."""

from __future__ import annotations

import time

import pytest

from tests.integration.training.conftest import add_tagged
from training.models import TrainedModel

pytestmark = pytest.mark.django_db(transaction=True)

PREFIX = "/language/text/authoring/v1.0-preview.2/projects"
JOB_FIELDS = {
    "tasks", "inProgress", "completed", "failed", "total", "jobId", "createdDateTime",
    "lastUpdatedDateTime", "expirationDateTime", "status", "errors",
}  # fmt: skip
TASK_FIELDS = {"trainingModelName", "evaluationStatus", "status", "lastUpdatedDateTime", "error"}


def poll(client, url: str, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"still {body['status']} after {timeout_s}s")


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_train_through_the_seed_routes(
    kind, celery_worker_process, project, multi_project, owner, client_for
):
    target = project if kind == "single" else multi_project
    add_tagged(target, extra_class="news" if kind == "multi" else None)
    client = client_for(owner)
    answer = client.post(
        f"{PREFIX}/{target.name}/train",
        {"tasks": [{"trainingModelName": "MyModel"}]},
        format="json",
    )
    assert answer.status_code == 202, answer.content
    location = answer["location"]
    assert location.startswith(f"http://testserver{PREFIX}/{target.name}/train/jobs/")
    first = client.get(location).json()
    assert set(first) == JOB_FIELDS
    assert set(first["tasks"][0]) == TASK_FIELDS
    assert set(first["tasks"][0]["evaluationStatus"]) == {"status", "lastUpdatedDateTime", "error"}
    assert first["total"] == 1

    done = poll(client, location)
    assert done["status"] == "succeeded", done
    assert (done["completed"], done["inProgress"], done["failed"]) == (1, 0, 0)
    assert done["tasks"][0]["trainingModelName"] == "MyModel"
    assert done["tasks"][0]["evaluationStatus"]["status"] == "succeeded"
    assert done["errors"] == []
    assert done["tasks"][0]["error"] is None

    model = TrainedModel.objects.get(project=target, name="MyModel")
    assert model.version == 1
    assert model.artifact_path.endswith(f"{target.id}/MyModel/v1")
    assert "micro_f1" in (model.evaluation or {})
    assert sum(model.split_counts.values()) == 24

    evaluation = client.get(f"{PREFIX}/{target.name}/evaluation?trainingModelName=MyModel")
    assert evaluation.status_code == 200
    validation = client.get(f"{PREFIX}/{target.name}/validation?trainingModelName=MyModel")
    assert validation.status_code == 200
    assert validation.json()["documents"]
