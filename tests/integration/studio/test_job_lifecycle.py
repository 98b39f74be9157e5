"""The one job lifecycle every job table shares: the claim, the reaper, the lifetime rule, the
Azure job JSON, and reads that never write."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from projects.models import ImportJob
from projects.tasks import IMPORT_JOBS, run_import
from studio.jobs import MAX_SENDS, JobStatus, reap
from training import worker
from training.api.azure.runtime import ANALYZE_JOBS, run_analyze_job
from training.api.azure.shapes import azure_job_json
from training.models import AnalyzeJob, AuthoringJob, DeploymentJob, TrainingJob
from training.tasks import fail_stale_jobs_task

pytestmark = pytest.mark.django_db

GA = "/language/authoring/analyze-text/projects"
PREVIEW = "/language/text/authoring/v1.0-preview.2/projects"
V = "api-version=2023-04-01"
migration = import_module("training.migrations.0006_jobs_shared_lifecycle")


def long_ago() -> object:
    return timezone.now() - timedelta(hours=1)


def stale_running(model: type, **fields: object) -> object:
    job = model.objects.create(status=JobStatus.RUNNING, **fields)
    model.objects.filter(pk=job.pk).update(started_at=long_ago(), heartbeat_at=long_ago())
    return job


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]


def test_of_two_deliveries_of_one_message_exactly_one_claims_the_job(project):
    jobs = [
        TrainingJob.objects.create(project=project, model_name="m"),
        ImportJob.objects.create(project=project),
        AnalyzeJob.objects.create(),
    ]
    for job in jobs:
        assert [type(job).claim(Q(pk=job.pk)) for _ in ("first", "second")] == [True, False]
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert job.started_at is not None
        assert job.heartbeat_at is not None


def test_a_second_delivery_of_a_claimed_job_does_nothing(project):
    training = TrainingJob.objects.create(project=project, model_name="m")
    imported = ImportJob.objects.create(project=project)
    analyze = AnalyzeJob.objects.create(request={"documents": [], "tasks": []})
    for job in (training, imported, analyze):
        type(job).claim(Q(pk=job.pk))
    assert worker.run_training_job(str(training.job_id)) == "skipped (running)"
    assert run_import(str(imported.pk)) == "skipped"
    run_analyze_job(analyze.pk)
    analyze.refresh_from_db()
    assert (analyze.status, analyze.results) == (JobStatus.RUNNING, [])


def test_the_reaper_fails_a_stale_running_job_of_each_kind(project):
    training = stale_running(TrainingJob, project=project, model_name="m")
    imported = stale_running(ImportJob, project=project)
    analyze = stale_running(AnalyzeJob)
    fresh = AnalyzeJob.objects.create(status=JobStatus.RUNNING, heartbeat_at=timezone.now())

    assert fail_stale_jobs_task() == 3

    for job in (training, imported, analyze, fresh):
        job.refresh_from_db()
    assert training.status == imported.status == analyze.status == JobStatus.FAILED
    assert training.errors[0]["code"] == analyze.errors[0]["code"] == "WorkerLost"
    assert "worker lost" in imported.error
    assert fresh.status == JobStatus.RUNNING


def test_a_queued_job_whose_message_was_lost_is_sent_again_then_failed(project):
    sent: list[object] = []
    kind = dataclasses.replace(ANALYZE_JOBS, send=sent.append)
    job = AnalyzeJob.objects.create()
    for sends in range(2, MAX_SENDS + 1):
        AnalyzeJob.objects.filter(pk=job.pk).update(updated_at=long_ago())
        assert reap([kind], timezone.now()) == 1
        job.refresh_from_db()
        assert (job.status, job.sends) == (JobStatus.NOT_STARTED, sends)
    assert [j.pk for j in sent] == [job.pk] * (MAX_SENDS - 1)
    # A message just sent is given time to arrive.
    assert reap([kind], timezone.now()) == 0

    AnalyzeJob.objects.filter(pk=job.pk).update(updated_at=long_ago())
    assert reap([kind], timezone.now()) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.errors[0]["code"] == "NoWorker"


def test_a_queued_job_waits_while_any_job_on_its_queue_runs(project):
    """Imports and analyze-text jobs share the default queue: a queued analyze job behind a
    running import is waiting, not lost."""
    sent: list[object] = []
    kinds = [
        dataclasses.replace(IMPORT_JOBS, send=sent.append),
        dataclasses.replace(ANALYZE_JOBS, send=sent.append),
    ]
    ImportJob.objects.create(project=project, status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    queued = AnalyzeJob.objects.create()
    AnalyzeJob.objects.filter(pk=queued.pk).update(updated_at=long_ago())
    assert reap(kinds, timezone.now()) == 0
    assert sent == []


def test_reads_of_jobs_never_write(project, owner):
    # A lost training job and a finished large import: what earlier reads used to write back.
    job = stale_running(TrainingJob, project=project, model_name="m")
    imported = ImportJob.objects.create(project=project, status=JobStatus.SUCCEEDED, report={})
    authoring = AuthoringJob.objects.create(
        kind=AuthoringJob.Kind.IMPORT,
        project_name=project.name,
        created_by=owner,
        status=JobStatus.RUNNING,
        result={"import_job": str(imported.pk)},
    )
    client = APIClient()
    client.force_login(owner)  # an API key would stamp its last use
    urls = [
        f"{GA}/{project.name}/train/jobs?{V}",
        f"{GA}/{project.name}/train/jobs/{job.job_id}?{V}",
        f"{PREVIEW}/{project.name}/train/jobs/{job.job_id}",
        f"/api/projects/{project.name}/jobs",
        f"/api/projects/{project.name}/jobs/{job.job_id}",
        f"{GA}/{project.name}/import/jobs/{authoring.job_id}?{V}",
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url)
        assert answer.status_code == 200, url
        assert writes(queries) == [], url
    assert client.get(urls[-1]).json()["status"] == "succeeded"
    job.refresh_from_db()
    authoring.refresh_from_db()
    assert (job.status, authoring.status) == (JobStatus.RUNNING, JobStatus.RUNNING)


def test_every_azure_job_renders_the_shared_fields_in_azure_order(project):
    job = DeploymentJob.objects.create(project=project, deployment_name="prod")
    body = azure_job_json(job, extra={"a": 1})
    assert list(body) == [
        "jobId",
        "createdDateTime",
        "lastUpdatedDateTime",
        "expirationDateTime",
        "status",
        "warnings",
        "errors",
        "extra",
    ]
    assert body["status"] == "succeeded"
    assert body["jobId"] == str(job.job_id)
    assert body["expirationDateTime"].endswith("Z")
    assert "warnings" not in azure_job_json(job, warnings=False)
    assert azure_job_json(job, status="running")["status"] == "running"


def test_job_lifetimes_come_from_the_settings(project, settings):
    settings.STUDIO_JOB_LIFETIME_HOURS = 3
    settings.STUDIO_ANALYZE_JOB_LIFETIME_HOURS = 2
    for job, hours in (
        (TrainingJob.objects.create(project=project, model_name="m"), 3),
        (DeploymentJob.objects.create(project=project, deployment_name="prod"), 3),
        (AuthoringJob.objects.create(kind=AuthoringJob.Kind.EXPORT, project_name="p"), 3),
        (AnalyzeJob.objects.create(), 2),
    ):
        lifetime = job.expires_at - job.created_at
        assert abs(lifetime - timedelta(hours=hours)) < timedelta(seconds=5), type(job)


def test_partially_completed_fits_the_analyze_and_import_status_columns(project):
    for job in (AnalyzeJob.objects.create(), ImportJob.objects.create(project=project)):
        job.status = JobStatus.PARTIALLY_COMPLETED
        job.save()
        job.refresh_from_db()
        assert job.status == "partiallyCompleted"


def test_the_migration_keeps_existing_jobs_readable_and_reapable(project):
    deployment = DeploymentJob.objects.create(project=project, deployment_name="prod")
    running = AnalyzeJob.objects.create(status=JobStatus.RUNNING)
    migration.backfill(apps, None)
    deployment.refresh_from_db()
    running.refresh_from_db()
    assert deployment.updated_at == deployment.created_at
    assert running.started_at == running.updated_at
