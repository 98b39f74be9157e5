"""Azure's runtime: analyze-text jobs (submit, predict, store Azure's result items, read and
cancel) and their routes, `POST /language/analyze-text/jobs`, the job GET and `:cancel`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.access import RULES, project_for
from studio.errors import NotFound, ValidationError
from studio.jobs import Heartbeat, JobKind, is_job_id
from studio.schema import api_version as schema_api_version
from training.api.azure.shapes import azure_job_json
from training.api.azure.versions import API_VERSIONS, api_version
from training.deployments import get_deployment_to_serve
from training.models import AnalyzeJob, Deployment, JobStatus
from training.prediction import check_text, classify

# Azure's documented runtime limits: 25 documents per request, 125,000 characters in all.
AZURE_MAX_DOCUMENTS = 25
AZURE_MAX_TOTAL_CHARS = 125_000
# Jobs up to this many characters are predicted during the POST; larger ones go to a worker.
SYNC_MAX_CHARS = 20_000
# The task is sent by name: its module imports this one for the body it runs.
ANALYZE_JOB_TASK = "training.analyze_job"

SINGLE_KIND = "CustomSingleLabelClassification"
MULTI_KIND = "CustomMultiLabelClassification"


@dataclass
class TaskSpec:
    kind: str
    task_name: str
    project_name: str
    deployment_name: str


def _resolve(user: Any, task: TaskSpec) -> Deployment:
    project = project_for(user, task.project_name, RULES["azure-analyze"]["POST:task"])
    assert project is not None
    deployment = get_deployment_to_serve(project, task.deployment_name)
    expected = MULTI_KIND if project.is_multi_label else SINGLE_KIND
    if task.kind != expected:
        raise ValidationError(
            f"The project {project.name!r} is a {expected} project; the task kind "
            f"{task.kind!r} does not match it.",
            inner_code="InvalidParameterValue",
            target="tasks",
        )
    return deployment


def submit_analyze_job(
    *, user: Any, display_name: str, documents: list[dict[str, Any]], tasks: list[TaskSpec]
) -> AnalyzeJob:
    """Check every task's project and deployment now (404/400 at POST time), store the job, and
    predict it at once when small; larger ones are left to the `default` worker queue."""
    for task in tasks:
        _resolve(user, task)
    total = sum(len(d["text"]) for d in documents if check_text(d["text"]) is None)
    if total > AZURE_MAX_TOTAL_CHARS:
        raise ValidationError(
            f"Request Payload sent is too large to be processed. Limit request size to: "
            f"{AZURE_MAX_TOTAL_CHARS} characters in all documents.",
            inner_code="InvalidDocumentBatch",
        )
    job = AnalyzeJob.objects.create(
        created_by=user,
        display_name=display_name,
        request={"documents": documents, "tasks": [t.__dict__ for t in tasks]},
    )
    if total <= SYNC_MAX_CHARS:
        run_analyze_job(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _send(job))
    return job


def _send(job: AnalyzeJob) -> None:
    current_app.send_task(ANALYZE_JOB_TASK, args=[job.pk])


def _task_result(user: Any, task: TaskSpec, documents: list[dict[str, Any]]) -> dict[str, Any]:
    now = timezone.now().isoformat().replace("+00:00", "Z")
    item: dict[str, Any] = {
        "kind": f"{task.kind}LROResults",
        "taskName": task.task_name,
        "lastUpdateDateTime": now,
        "status": JobStatus.SUCCEEDED.value,
    }
    try:
        deployment = _resolve(user, task)
        results = classify(deployment, [(d["id"], d["text"]) for d in documents])
    except (NotFound, ValidationError) as exc:  # the deployment went away after the POST
        item["status"] = JobStatus.FAILED.value
        item["error"] = {"code": exc.code, "message": exc.message}
        return item
    item["results"] = {
        "projectName": task.project_name,
        "deploymentName": task.deployment_name,
        "documents": [
            {
                "id": r.id,
                "class": [{"category": c, "confidenceScore": round(p, 6)} for c, p in r.classes],
                "warnings": [],
            }
            for r in results
            if r.error is None
        ],
        "errors": [{"id": r.id, "error": r.error} for r in results if r.error is not None],
        "modelVersion": str(deployment.model_version),
    }
    return item


def run_analyze_job(job_pk: int) -> None:
    """Predict every task of the job and store Azure's result items. Only the claim
    `notStarted → running` proceeds, so a second delivery of the message does nothing."""
    if not AnalyzeJob.claim(Q(pk=job_pk)):
        return
    job = AnalyzeJob.objects.select_related("created_by").get(pk=job_pk)
    documents = job.request["documents"]
    with Heartbeat(job):
        items = [
            _task_result(job.created_by, TaskSpec(**t), documents) for t in job.request["tasks"]
        ]
    failed = sum(1 for i in items if i["status"] == JobStatus.FAILED)
    if failed == 0:
        status = JobStatus.SUCCEEDED
    elif failed == len(items):
        status = JobStatus.FAILED
    else:
        status = JobStatus.PARTIALLY_COMPLETED
    errors = [i.pop("error") for i in items if "error" in i]
    # A cancel that landed while predicting wins.
    AnalyzeJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status, results=items, errors=errors, updated_at=timezone.now()
    )


def _fail(job: AnalyzeJob, code: str, message: str) -> int:
    return AnalyzeJob.objects.filter(pk=job.pk, status=job.status).update(
        status=JobStatus.FAILED,
        errors=[{"code": code, "message": message}],
        updated_at=timezone.now(),
    )


ANALYZE_JOBS = JobKind(
    model=AnalyzeJob,
    queue="default",
    send=_send,
    fail=_fail,
    lost="The worker predicting this job stopped (worker lost). Submit the job again.",
    unclaimed="No worker took this job, although it was sent again several times. Check "
    "that the studio's workers run, then submit the job again.",
)


def get_analyze_job(user: Any, job_id: str) -> AnalyzeJob:
    job = (
        AnalyzeJob.objects.filter(job_id=job_id, created_by=user).first()
        if is_job_id(job_id)
        else None
    )
    if job is None or job.expires_at < timezone.now():
        raise NotFound(f"The job {job_id!r} does not exist.", code="NotFound")
    return job


def cancel_analyze_job(user: Any, job_id: str) -> AnalyzeJob:
    job = get_analyze_job(user, job_id)
    AnalyzeJob.objects.filter(
        pk=job.pk, status__in=[JobStatus.NOT_STARTED, JobStatus.RUNNING]
    ).update(status=JobStatus.CANCELLED, updated_at=timezone.now())
    job.refresh_from_db()
    return job


TERMINAL = {
    JobStatus.SUCCEEDED,
    JobStatus.FAILED,
    JobStatus.CANCELLED,
    JobStatus.PARTIALLY_COMPLETED,
}


def _documents(body: Any) -> list[dict[str, Any]]:
    analysis_input = body.get("analysisInput") if isinstance(body, dict) else None
    documents = analysis_input.get("documents") if isinstance(analysis_input, dict) else None
    if not isinstance(documents, list) or not documents:
        raise ValidationError(
            "Missing input documents: analysisInput.documents must hold at least one document.",
            inner_code="MissingInputDocuments",
        )
    if len(documents) > AZURE_MAX_DOCUMENTS:
        raise ValidationError(
            f"Batch request contains too many records. Max {AZURE_MAX_DOCUMENTS} records are "
            f"permitted.",
            inner_code="InvalidDocumentBatch",
        )
    cleaned, seen = [], set()
    for index, doc in enumerate(documents):
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or not doc["id"]:
            raise ValidationError(
                f"Document {index} needs a string id.", inner_code="InvalidDocument"
            )
        if doc["id"] in seen:
            raise ValidationError(
                "Request contains duplicated Ids. Make sure each document has a unique Id.",
                inner_code="InvalidDocument",
            )
        seen.add(doc["id"])
        cleaned.append(
            {"id": doc["id"], "text": doc.get("text") if isinstance(doc.get("text"), str) else ""}
        )
    return cleaned


def _tasks(body: dict[str, Any]) -> list[TaskSpec]:
    tasks = body.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise ValidationError("The request must name at least one task.", target="tasks")
    specs = []
    for index, task in enumerate(tasks):
        task = task if isinstance(task, dict) else {}
        kind = task.get("kind")
        if kind not in (SINGLE_KIND, MULTI_KIND):
            raise ValidationError(
                f"The task kind {kind!r} is not supported here; use {SINGLE_KIND} or {MULTI_KIND}.",
                inner_code="InvalidParameterValue",
                target=f"tasks[{index}].kind",
            )
        parameters = task.get("parameters") if isinstance(task.get("parameters"), dict) else {}
        for name in ("projectName", "deploymentName"):
            if not isinstance(parameters.get(name), str) or not parameters[name]:
                raise ValidationError(
                    f"The task parameter {name} is required.",
                    inner_code="InvalidParameterValue",
                    target=f"tasks[{index}].parameters.{name}",
                )
        specs.append(
            TaskSpec(
                kind=kind,
                task_name=str(task.get("taskName") or index),
                project_name=parameters["projectName"],
                deployment_name=parameters["deploymentName"],
            )
        )
    return specs


def job_url(request: Request, job: AnalyzeJob, version: str) -> str:
    path = f"/language/analyze-text/jobs/{job.job_id}"
    return request.build_absolute_uri(path) + f"?api-version={version}"


def job_json(job: AnalyzeJob) -> dict[str, Any]:
    items = job.results or []
    done = job.status in TERMINAL
    tasks = {
        "completed": sum(1 for i in items if i["status"] == JobStatus.SUCCEEDED),
        "failed": sum(1 for i in items if i["status"] == JobStatus.FAILED),
        "inProgress": 0 if done else len(job.request.get("tasks", [])),
        "total": len(job.request.get("tasks", [])),
        "items": items,
    }
    # Azure's analyze-text job state has no job-level warnings.
    body = azure_job_json(job, warnings=False, tasks=tasks)
    if job.display_name:
        body["displayName"] = job.display_name
    return body


@extend_schema(
    parameters=[schema_api_version(API_VERSIONS)],
    request=OpenApiTypes.OBJECT,
    responses={202: None},
)
class AnalyzeJobsApi(APIView):
    def post(self, request: Request) -> Response:
        version = api_version(request)
        body = request.data if isinstance(request.data, dict) else {}
        documents = _documents(body)
        tasks = _tasks(body)
        job = submit_analyze_job(
            user=request.user,
            display_name=str(body.get("displayName") or "")[:200],
            documents=documents,
            tasks=tasks,
        )
        return Response(status=202, headers={"Operation-Location": job_url(request, job, version)})


@extend_schema(
    parameters=[schema_api_version(API_VERSIONS)],
    request=None,
    responses=OpenApiTypes.OBJECT,
)
class AnalyzeJobApi(APIView):
    def get(self, request: Request, job_id: str) -> Response:
        api_version(request)
        return Response(job_json(get_analyze_job(request.user, job_id)))


@extend_schema(
    parameters=[schema_api_version(API_VERSIONS)],
    request=None,
    responses={202: None},
)
class AnalyzeJobCancelApi(APIView):
    def post(self, request: Request, job_id: str) -> Response:
        version = api_version(request)
        job = cancel_analyze_job(request.user, job_id)
        return Response(status=202, headers={"Operation-Location": job_url(request, job, version)})
