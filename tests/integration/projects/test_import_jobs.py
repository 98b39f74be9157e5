"""Large imports go to a real Celery worker: 202, a job that reports progress, then the report."""

from __future__ import annotations

import time

import pytest

from projects.importers import INLINE_LIMIT
from projects.landing import staging_dir
from projects.models import Document, ImportJob, Tag

pytestmark = pytest.mark.django_db(transaction=True)


def _csv(rows: int) -> bytes:
    lines = ["name,text,label"]
    for i in range(rows):
        label = "Billing" if i % 2 else "Shipping"
        lines.append(f"doc-{i},Customer message number {i} about {label.lower()},{label}")
    lines.append("broken,,Billing")  # empty text: reported, the rest still lands
    return ("\n".join(lines) + "\n").encode()


def _wait(client, url: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"The import job did not end: {job}")


def test_a_large_csv_import_runs_in_the_worker_and_reports_every_row(
    celery_worker_process, project, editor, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(editor)
    rows = INLINE_LIMIT + 100
    upload = SimpleUploadedFile("tickets.csv", _csv(rows), content_type="text/csv")
    answer = client.post(
        f"/api/projects/{project.name}/imports", {"files": [upload]}, format="multipart"
    )
    assert answer.status_code == 202, answer.content
    url = answer.headers["Operation-Location"]
    assert answer.json()["status"] in ("notStarted", "running")

    job = _wait(client, url)

    assert job["status"] == "succeeded", job
    assert job["percent"] == 100
    assert job["report"]["imported"] == rows
    assert [(e.get("line"), "empty" in e["reason"]) for e in job["report"]["errors"]] == [
        (rows + 2, True)
    ]
    assert Document.objects.filter(project=project).count() == rows
    assert Tag.objects.filter(document__project=project, category__name="Billing").count() == (
        rows // 2
    )
    # The staged upload is removed once the worker is done with it.
    assert not staging_dir(ImportJob.objects.get(project=project)).exists()


def test_a_large_azure_import_counts_a_repeated_class_once_with_a_warning(
    celery_worker_process, multi_project, owner, client_for
):
    classes = [{"category": "A"}, {"category": "A"}]
    documents = [
        {
            "location": f"{i}.txt",
            "text": f"Text {i}",
            "dataset": "Train",
            "classes": classes[: 1 + (i == 0)],
        }
        for i in range(INLINE_LIMIT + 1)
    ]
    body = {
        "projectFileVersion": "2022-05-01",
        "metadata": {"projectKind": "CustomMultiLabelClassification"},
        "assets": {
            "projectKind": "CustomMultiLabelClassification",
            "classes": [{"category": "A"}],
            "documents": documents,
        },
    }
    client = client_for(owner)
    base = f"/language/authoring/analyze-text/projects/{multi_project.name}"
    answer = client.post(f"{base}/:import?api-version=2023-04-01", body, format="json")
    assert answer.status_code == 202, answer.content
    url = answer.headers["Operation-Location"]
    job = _wait(client, url)
    assert job["status"] == "succeeded", job
    assert [(w["code"], w["target"]) for w in job["warnings"]] == [("DocumentChanged", "0.txt")]
    assert Tag.objects.filter(document__project=multi_project).count() == INLINE_LIMIT + 1
