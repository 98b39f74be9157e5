"""Predictions through the studio classify route and Azure's analyze-text jobs, with real models."""

from __future__ import annotations

import pytest

from tests.integration.deploy.conftest import FOOD, SPORT

pytestmark = pytest.mark.django_db

JOBS = "/language/analyze-text/jobs?api-version=2023-04-01"


def deploy(client, project, model, deployment="prod"):
    response = client.put(
        f"/api/projects/{project}/deployments/{deployment}", {"model": model}, format="json"
    )
    assert response.status_code == 200, response.json()


def classify(client, project, texts, deployment="prod"):
    body = {"documents": [{"id": str(i), "text": t} for i, t in enumerate(texts)]}
    response = client.post(
        f"/api/projects/{project}/deployments/{deployment}/classify", body, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["documents"]


def test_single_label_classify_with_errors_that_do_not_fail_the_rest(
    project, owner, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    results = classify(client, "Reviews", ["The goalkeeper saved a penalty", "", "Fry the onions"])
    assert [r["classes"][0]["category"] for r in (results[0], results[2])] == ["sport", "food"]
    assert len(results[0]["classes"]) == 1
    assert {a["category"] for a in results[0]["alternatives"]} == {"sport", "food"}
    assert results[1]["error"]["innererror"]["code"] == "InvalidDocument"


def test_a_deployment_keeps_its_pinned_version_after_retraining(
    project, owner, client_for, make_model, artifacts
):
    model = make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    model.version, model.artifact_path = 2, artifacts["v2"]  # what a retrain writes
    model.save()
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"][0]["category"] == "sport"
    deploy(client, "Reviews", "m1")
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"][0]["category"] == "athletics"


def test_confidence_threshold_of_the_project_drops_weak_predictions(
    project, owner, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    project.confidence_threshold = 0.999999
    project.save()
    result = classify(client, "Reviews", ["Something about nothing"])[0]
    assert result["classes"] == []
    assert len(result["alternatives"]) == 2


def test_multi_label_classify(multi_project, owner, client_for, make_model, artifacts):
    make_model(multi_project, artifact_path=artifacts["multi"])
    client = client_for(owner)
    deploy(client, "Topics", "m1")
    result = classify(client, "Topics", [FOOD[1]])[0]
    assert "food" in [c["category"] for c in result["classes"]]


@pytest.mark.parametrize(
    ("project_fixture", "kind", "artifact", "expected"),
    [
        ("project", "CustomSingleLabelClassification", "v1", "sport"),
        ("multi_project", "CustomMultiLabelClassification", "multi", "sport"),
    ],
)
def test_azure_job_answers_in_azures_shape(
    request, project_fixture, kind, artifact, expected, owner, client_for, make_model, artifacts
):
    project = request.getfixturevalue(project_fixture)
    make_model(project, artifact_path=artifacts[artifact])
    client = client_for(owner)
    deploy(client, project.name, "m1")
    body = {
        "displayName": "try",
        "analysisInput": {"documents": [{"id": "a", "text": SPORT[1]}, {"id": "b", "text": ""}]},
        "tasks": [
            {
                "kind": kind,
                "taskName": "t1",
                "parameters": {"projectName": project.name, "deploymentName": "prod"},
            }
        ],
    }
    response = client.post(JOBS, body, format="json")
    assert response.status_code == 202
    assert response["operation-location"].startswith("http://testserver/language/analyze-text/")
    state = client.get(response["operation-location"]).json()
    assert state["status"] == "succeeded"
    item = state["tasks"]["items"][0]
    assert item["kind"] == f"{kind}LROResults"
    assert item["taskName"] == "t1"
    document = item["results"]["documents"][0]
    assert document["id"] == "a"
    assert document["class"][0]["category"] == expected
    assert 0 <= document["class"][0]["confidenceScore"] <= 1
    assert item["results"]["errors"][0]["id"] == "b"
