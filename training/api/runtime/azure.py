"""Azure's runtime routes: `POST /language/analyze-text/jobs`, the job GET and `:cancel`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.errors import ValidationError
from studio.schema import api_version as schema_api_version
from training.api.azure.shapes import azure_job_json
from training.api.azure.versions import API_VERSIONS, api_version
from training.models import AnalyzeJob, JobStatus
from training.prediction import (
    AZURE_MAX_DOCUMENTS,
    MULTI_KIND,
    SINGLE_KIND,
    TaskSpec,
    cancel_analyze_job,
    get_analyze_job,
    submit_analyze_job,
)

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
