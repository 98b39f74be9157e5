"""Bad inputs to the classify route and Azure's analyze-text jobs get Azure's errors, not 500s."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

JOBS = "/language/analyze-text/jobs?api-version=2023-04-01"
CLASSIFY = "/api/projects/Reviews/deployments/prod/classify"


@pytest.fixture
def deployed(project, owner, client_for, make_model):
    make_model(project)
    client = client_for(owner)
    client.put("/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json")
    return client


def job(kind="CustomSingleLabelClassification", project="Reviews", deployment="prod", docs=None):
    documents = [{"id": "1", "text": "hello"}] if docs is None else docs
    return {
        "analysisInput": {"documents": documents},
        "tasks": [
            {
                "kind": kind,
                "taskName": "t",
                "parameters": {"projectName": project, "deploymentName": deployment},
            }
        ],
    }


def error_of(response):
    return response.status_code, response.json()["error"]["code"]


def test_classify_reports_empty_and_too_long_documents_one_by_one(deployed):
    documents = [{"id": "a", "text": ""}, {"id": "b", "text": "x" * 125_001}]
    response = deployed.post(CLASSIFY, {"documents": documents}, format="json")
    assert response.status_code == 200
    results = response.json()["documents"]
    assert [r["id"] for r in results] == ["a", "b"]
    assert results[0]["error"]["innererror"]["code"] == "InvalidDocument"
    assert "too large" in results[1]["error"]["message"]


def test_the_test_model_pages_5_mb_text_is_a_document_error_not_a_500(deployed):
    body = {"documents": [{"id": "1", "text": "x" * 5_000_000}]}  # what test_model.js sends
    response = deployed.post(CLASSIFY, body, format="json")
    assert response.status_code == 200
    assert "too large" in response.json()["documents"][0]["error"]["message"]


def test_classify_batch_limits(deployed):
    assert error_of(deployed.post(CLASSIFY, {"documents": []}, format="json"))[0] == 400
    many = [{"text": "x"}] * 1001
    assert error_of(deployed.post(CLASSIFY, {"documents": many}, format="json"))[0] == 400


def test_classify_unknown_deployment_or_project_is_404(deployed):
    body = {"documents": [{"text": "x"}]}
    response = deployed.post("/api/projects/Reviews/deployments/nope/classify", body, format="json")
    assert error_of(response) == (404, "NotFound")
    response = deployed.post("/api/projects/Nope/deployments/prod/classify", body, format="json")
    assert error_of(response) == (404, "ProjectNotFound")


def test_jobs_need_a_key():
    response = APIClient().post(JOBS, job(), format="json")
    assert error_of(response) == (401, "Unauthorized")


@pytest.mark.parametrize(
    ("body", "inner"),
    [
        (job(docs=[]), "MissingInputDocuments"),
        ({"tasks": job()["tasks"]}, "MissingInputDocuments"),
        (job(docs=[{"id": str(i), "text": "x"} for i in range(26)]), "InvalidDocumentBatch"),
        (job(docs=[{"id": "1", "text": "x"}, {"id": "1", "text": "y"}]), "InvalidDocument"),
        (job(kind="SentimentAnalysis"), "InvalidParameterValue"),
        (job(kind="CustomMultiLabelClassification"), "InvalidParameterValue"),
        (job(deployment=""), "InvalidParameterValue"),
    ],
)
def test_bad_jobs_are_400_with_azure_inner_codes(deployed, body, inner):
    response = deployed.post(JOBS, body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["innererror"]["code"] == inner


def test_missing_tasks_is_400(deployed):
    body = {"analysisInput": {"documents": [{"id": "1", "text": "x"}]}}
    assert deployed.post(JOBS, body, format="json").status_code == 400


def test_unknown_project_or_deployment_is_404(deployed):
    assert error_of(deployed.post(JOBS, job(project="Nope"), format="json")) == (
        404,
        "ProjectNotFound",
    )
    assert error_of(deployed.post(JOBS, job(deployment="nope"), format="json")) == (
        404,
        "NotFound",
    )


def test_unsupported_api_version_and_unknown_job(deployed):
    response = deployed.post(
        "/language/analyze-text/jobs?api-version=1999-01-01", job(), format="json"
    )
    assert response.status_code == 400
    response = deployed.get(
        "/language/analyze-text/jobs/6d2a9a67-0000-4000-8000-000000000000?api-version=2023-04-01"
    )
    assert error_of(response) == (404, "NotFound")


def test_a_job_of_only_invalid_documents_succeeds_with_document_errors(deployed):
    body = job(docs=[{"id": "1", "text": ""}, {"id": "2", "text": "   "}])
    response = deployed.post(JOBS, body, format="json")
    assert response.status_code == 202
    state = deployed.get(response["operation-location"]).json()
    assert state["status"] == "succeeded"
    results = state["tasks"]["items"][0]["results"]
    assert results["documents"] == []
    assert [e["id"] for e in results["errors"]] == ["1", "2"]
    assert state["tasks"]["items"][0]["kind"] == "CustomSingleLabelClassificationLROResults"


def test_another_users_job_is_not_found(deployed, editor, client_for):
    response = deployed.post(JOBS, job(docs=[{"id": "1", "text": ""}]), format="json")
    assert client_for(editor).get(response["operation-location"]).status_code == 404
