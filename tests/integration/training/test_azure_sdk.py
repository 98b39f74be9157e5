"""The official `azure-ai-textanalytics-authoring` client drives the studio end to end."""

from __future__ import annotations

import time

import pytest
from azure.ai.textanalytics.authoring import TextAuthoringClient
from azure.core.credentials import AzureKeyCredential

from studio.services import regenerate_api_key
from tests.integration.training.conftest import TEXTS
from training.models import TrainingJob

pytestmark = pytest.mark.django_db(transaction=True)


def exported_project(name: str) -> dict:
    documents = [
        {
            "location": f"{label}-{i}.txt",
            "language": "en",
            "dataset": "Test" if i % 5 == 4 else "Train",
            "class": {"category": label},
            "text": text,  # the studio's inline-text extension; Azure reads the container
        }
        for label, lines in TEXTS.items()
        for i, text in enumerate(lines)
    ]
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": "CustomSingleLabelClassification",
            "projectName": name,
            "language": "en",
            "multilingual": False,
            "storageInputContainerName": name.lower(),
        },
        "assets": {
            "projectKind": "CustomSingleLabelClassification",
            "classes": [{"category": label} for label in TEXTS],
            "documents": documents,
        },
    }


def test_create_import_train_models_evaluation_cancel(celery_worker_process, live_server, owner):
    key = regenerate_api_key(user=owner, slot=1)
    client = TextAuthoringClient(live_server.url, AzureKeyCredential(key))
    created = client.create_project(
        "Sdk",
        {
            "projectName": "Sdk",
            "projectKind": "CustomSingleLabelClassification",
            "language": "en",
            "storageInputContainerName": "sdk",
        },
    )
    assert created["projectName"] == "Sdk"
    assert [p["projectName"] for p in client.list_projects()] == ["Sdk"]

    project = client.get_project_client("Sdk")
    project.project.begin_import(exported_project("Sdk"), polling_interval=0.1).result()
    assert project.project.get_project()["projectKind"] == "CustomSingleLabelClassification"

    poller = project.project.begin_train(
        {
            "modelLabel": "sdk-model",
            "trainingConfigVersion": "latest",
            "evaluationOptions": {"kind": "percentage"},
        },
        polling_interval=0.2,
    )
    result = poller.result(timeout=180)
    assert result["modelLabel"] == "sdk-model"
    assert result["trainingStatus"]["status"] == "succeeded"

    models = list(project.project.list_trained_models())
    assert [m["label"] for m in models] == ["sdk-model"]
    summary = project.trained_model.get_model_evaluation_summary("sdk-model")
    figures = summary["customSingleLabelClassificationEvaluation"]
    assert 0 <= figures["microF1"] <= 1
    assert set(figures["classes"]) <= {"sport", "food"}
    results = list(
        project.trained_model.list_model_evaluation_results(
            "sdk-model", string_index_type="Utf16CodeUnit"
        )
    )
    assert results
    assert results[0]["customSingleLabelClassificationResult"]["expectedClass"] in TEXTS
    assert {r["location"] for r in results} <= {f"{c}-{i}.txt" for c in TEXTS for i in range(12)}
    jobs = list(project.project.list_training_jobs())
    assert jobs[0]["result"]["modelLabel"] == "sdk-model"

    # Cancel: start a second training and cancel it before it ends. Azure's terminal word is
    # `cancelled`, which azure-core's poller does not know, so the status is read directly.
    second = project.project.begin_train(
        {"modelLabel": "sdk-model-2", "trainingConfigVersion": "latest"}, polling=False
    )
    job_id = (
        second.polling_method()
        ._initial_response.http_response.headers["Operation-Location"]
        .split("/train/jobs/")[1]
        .split("?")[0]
    )
    project.project.begin_cancel_training_job(job_id, polling=False)
    deadline = time.monotonic() + 120
    while TrainingJob.objects.get(job_id=job_id).is_active:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert TrainingJob.objects.get(job_id=job_id).status == "cancelled"
    assert [m["label"] for m in project.project.list_trained_models()] == ["sdk-model"]
