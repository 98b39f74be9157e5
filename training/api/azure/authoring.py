"""Azure's GA authoring routes under `/language/authoring/analyze-text/projects` (projects,
import/export, training, models, evaluation). Deployments live in `deployments`."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from projects.exporters import azure_project
from projects.formats import Source
from projects.importers import start_import
from projects.landing import ImportOptions, ImportRefused
from projects.models import MAX_CLASSES_PER_PROJECT, MAX_DOCUMENTS_PER_PROJECT, ImportJob, Project
from projects.services import create_project, delete_project, update_project
from studio.errors import NotFound, ValidationError
from studio.jobs import is_job_id
from studio.parsers import JSONParser
from studio.schema import api_version as schema_api_version
from training import selectors, services
from training.api.azure.shapes import (
    AZURE_KIND,
    KIND_OF_AZURE,
    LATEST_CONFIG,
    MODEL_LIFETIME,
    TRAINING_CONFIG_VERSION,
    azure_job_json,
    evaluation_result,
    evaluation_summary,
    ga_job,
    model_json,
    project_json,
)
from training.api.azure.targets import AzureTargetsView
from training.api.azure.versions import API_VERSIONS, api_version
from training.models import AuthoringJob, JobStatus

PREFIX = "/language/authoring/analyze-text/projects"
DEFAULT_PAGE = 50


class MergePatchParser(JSONParser):
    """Azure's PATCH bodies are `application/merge-patch+json`."""

    media_type = "application/merge-patch+json"


@extend_schema(parameters=[schema_api_version(API_VERSIONS)])
class AzureView(AzureTargetsView):
    """Checks `api-version` after authentication, so a missing key is a 401 first."""

    parser_classes = [JSONParser, MergePatchParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.api_version = api_version(request)

    def url(self, request: Request, path: str) -> str:
        return request.build_absolute_uri(f"{PREFIX}/{path}") + f"?api-version={self.api_version}"

    def accepted(self, request: Request, path: str) -> Response:
        return Response(status=202, headers={"Operation-Location": self.url(request, path)})


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ValidationError("The body must be a JSON object.")
    return request.data


def _new_job(request: Request, kind: str, project_name: str, **fields: Any) -> AuthoringJob:
    return AuthoringJob.objects.create(
        kind=kind,
        project_name=project_name,
        created_by=request.user,
        **fields,
    )


def _authoring_job(
    request: Request, kind: str, job_id: str, project_name: str | None
) -> AuthoringJob:
    if not is_job_id(job_id):
        raise NotFound(f"The job {job_id!r} does not exist.")
    jobs = AuthoringJob.objects.filter(job_id=job_id, kind=kind)
    if project_name is not None:
        jobs = jobs.filter(project_name=project_name)
    job = jobs.first()
    if job is None or (kind == AuthoringJob.Kind.DELETE and job.created_by_id != request.user.pk):
        raise NotFound(f"The job {job_id!r} does not exist.")
    return job


# ---- Projects


class ProjectListApi(AzureView):
    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="azure_projects_list")
    def get(self, request: Request) -> Response:
        projects = Project.objects.filter(memberships__user=request.user).order_by("name")
        return Response({"value": [project_json(p) for p in projects], "nextLink": None})


@extend_schema(
    request=OpenApiTypes.OBJECT,
    responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT, 202: None},
)
class ProjectApi(AzureView):
    def get(self, request: Request, project_name: str) -> Response:
        return Response(project_json(request.project))

    def patch(self, request: Request, project_name: str) -> Response:
        body = _body(request)
        if body.get("projectName") not in (None, project_name):
            raise ValidationError(
                "projectName in the body must match the route.", target="projectName"
            )
        threshold = (body.get("settings") or {}).get("confidenceThreshold")
        # The table let an owner through, or anyone when there is no such project yet.
        project = getattr(request, "project", None)
        if project is not None:
            kind = body.get("projectKind")
            if kind is not None and KIND_OF_AZURE.get(kind) != project.kind:
                raise ValidationError("The project kind cannot change.", target="projectKind")
            update_project(
                project,
                description=body.get("description"),
                language=body.get("language"),
                multilingual=body.get("multilingual"),
                confidence_threshold=threshold,
            )
            return Response(project_json(project), status=200)
        kind = KIND_OF_AZURE.get(body.get("projectKind"))
        if kind is None:
            raise ValidationError(
                f"projectKind must be one of {', '.join(KIND_OF_AZURE)}.", target="projectKind"
            )
        with transaction.atomic():
            project = create_project(
                owner=request.user,
                name=project_name,
                kind=kind,
                language=body.get("language") or "en",
                multilingual=bool(body.get("multilingual", False)),
                description=body.get("description") or "",
                storage_container=body.get("storageInputContainerName") or "",
            )
            if threshold is not None:
                update_project(project, confidence_threshold=threshold)
        return Response(project_json(project), status=201)

    def delete(self, request: Request, project_name: str) -> Response:
        delete_project(request.project)
        job = _new_job(request, AuthoringJob.Kind.DELETE, project_name)
        return self.accepted(request, f"global/deletion-jobs/{job.job_id}")


@extend_schema(responses=OpenApiTypes.OBJECT)
class DeletionJobApi(AzureView):
    def get(self, request: Request, job_id: str) -> Response:
        job = _authoring_job(request, AuthoringJob.Kind.DELETE, job_id, None)
        return Response(azure_job_json(job))


@extend_schema(responses=OpenApiTypes.OBJECT)
class TrainingConfigVersionsApi(AzureView):
    def get(self, request: Request) -> Response:
        expires = (timezone.now() + MODEL_LIFETIME).date().isoformat()
        value = [{"trainingConfigVersion": TRAINING_CONFIG_VERSION, "modelExpirationDate": expires}]
        return Response({"value": value, "nextLink": None})


# ---- Import and export


@extend_schema(request=OpenApiTypes.OBJECT, responses={202: None})
class ImportApi(AzureView):
    """`:import` an exported project: creates the project from `metadata` when it is new,
    then replaces its documents and classes with the assets (texts inline as `text`, or files
    in the project's container), as Azure does. All or nothing: a refused document or class
    fails the job with every reason, and the project stays as it was."""

    def post(self, request: Request, project_name: str) -> Response:
        body = _body(request)
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        if not isinstance(body.get("assets"), dict):
            raise ValidationError("The exported project must have assets.", target="assets")
        _check_asset_counts(body["assets"])
        # The table let an editor through, or anyone when there is no such project yet.
        project = getattr(request, "project", None)
        if project is None:
            kind = KIND_OF_AZURE.get(
                metadata.get("projectKind") or body["assets"].get("projectKind")
            )
            if kind is None:
                raise ValidationError(
                    f"metadata.projectKind must be one of {', '.join(KIND_OF_AZURE)}.",
                    target="metadata.projectKind",
                )
            project = create_project(
                owner=request.user,
                name=project_name,
                kind=kind,
                language=metadata.get("language") or "en",
                multilingual=bool(metadata.get("multilingual", False)),
                description=metadata.get("description") or "",
                storage_container=metadata.get("storageInputContainerName") or "",
            )
        if body["assets"].get("projectKind") not in (None, AZURE_KIND[project.kind]):
            raise ValidationError(
                f"The assets are {body['assets']['projectKind']}, the project is "
                f"{AZURE_KIND[project.kind]}.",
                target="assets.projectKind",
            )
        source = Source("project.json", json.dumps(body).encode("utf-8"))
        options = ImportOptions(replace_assets=True, all_or_nothing=True)
        try:
            outcome = start_import(project, [source], user=request.user, options=options)
        except ImportRefused as refused:
            report = refused.report.as_dict()
            job = _new_job(
                request,
                AuthoringJob.Kind.IMPORT,
                project_name,
                status=JobStatus.FAILED,
                errors=_import_errors(report),
                warnings=_import_warnings(report),
            )
            return self.accepted(request, f"{project_name}/import/jobs/{job.job_id}")
        if isinstance(outcome, ImportJob):
            job = _new_job(
                request,
                AuthoringJob.Kind.IMPORT,
                project_name,
                status=JobStatus.RUNNING,
                result={"import_job": str(outcome.pk)},
            )
        else:
            warnings = _import_warnings(outcome.as_dict())
            job = _new_job(request, AuthoringJob.Kind.IMPORT, project_name, warnings=warnings)
        return self.accepted(request, f"{project_name}/import/jobs/{job.job_id}")


def _check_asset_counts(assets: dict[str, Any]) -> None:
    """Azure's per-project limits, refused before anything is read or created."""
    for key, limit in (
        ("documents", MAX_DOCUMENTS_PER_PROJECT),
        ("classes", MAX_CLASSES_PER_PROJECT),
    ):
        items = assets.get(key)
        if isinstance(items, list) and len(items) > limit:
            raise ValidationError(
                f"The assets hold {len(items):,} {key}; a project holds at most {limit:,}.",
                code="QuotaExceeded",
                target=f"assets.{key}",
            )


def _target(item: dict[str, Any]) -> dict[str, str]:
    """Where a report item points: the document's location, or the class's name."""
    target = item.get("file") or item.get("target")
    return {"target": str(target)} if target else {}


def _import_errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each refused document or class of the import report, in Azure's error shape."""
    return [
        {
            "code": "InvalidArgument",
            "message": str(item.get("reason")),
            **_target(item),
            "innererror": {
                "code": "InvalidDocument" if item.get("file") else "InvalidParameterValue",
                "message": str(item.get("reason")),
            },
        }
        for item in report.get("errors") or []
    ]


def _import_warnings(report: dict[str, Any]) -> list[dict[str, str]]:
    """Each document of the import report that landed changed (a class listed twice, a class
    name repaired), as Azure's job warnings."""
    return [
        {"code": "DocumentChanged", "message": str(item.get("reason")), **_target(item)}
        for item in report.get("warnings") or []
    ]


@extend_schema(responses=OpenApiTypes.OBJECT)
class ImportJobApi(AzureView):
    def get(self, request: Request, project_name: str, job_id: str) -> Response:
        job = _authoring_job(request, AuthoringJob.Kind.IMPORT, job_id, project_name)
        return Response(azure_job_json(_with_import_outcome(job)))


def _with_import_outcome(job: AuthoringJob) -> AuthoringJob:
    """The job as its worker-run import left it, read and not saved: the ImportJob row (which
    the reaper watches) is the one record of how a large import went."""
    worker_job = (job.result or {}).get("import_job")
    if not worker_job or job.status != JobStatus.RUNNING:
        return job
    row = ImportJob.objects.filter(pk=worker_job).first()
    if row is not None and row.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return job
    if row is not None and row.status == JobStatus.FAILED and row.report:
        job.status, job.errors = JobStatus.FAILED, _import_errors(row.report)
        job.warnings = _import_warnings(row.report)
    elif row is None or row.status == JobStatus.FAILED:
        reason = row.error if row else "The import job is gone."
        job.status, job.errors = JobStatus.FAILED, [{"code": "InvalidRequest", "message": reason}]
    else:
        job.status, job.warnings = JobStatus.SUCCEEDED, _import_warnings(row.report or {})
    if row is not None:
        job.updated_at = row.updated_at
    return job


@extend_schema(request=OpenApiTypes.OBJECT, responses={202: None})
class ExportApi(AzureView):
    def post(self, request: Request, project_name: str) -> Response:
        exported = azure_project(request.project, include_text=True)
        job = _new_job(request, AuthoringJob.Kind.EXPORT, project_name, result=exported)
        return self.accepted(request, f"{project_name}/export/jobs/{job.job_id}")


@extend_schema(responses=OpenApiTypes.OBJECT)
class ExportJobApi(AzureView):
    def get(self, request: Request, project_name: str, job_id: str) -> Response:
        job = _authoring_job(request, AuthoringJob.Kind.EXPORT, job_id, project_name)
        body = azure_job_json(job)
        body["resultUrl"] = self.url(request, f"{project_name}/export/jobs/{job_id}/result")
        return Response(body)


@extend_schema(responses=OpenApiTypes.OBJECT)
class ExportResultApi(AzureView):
    def get(self, request: Request, project_name: str, job_id: str) -> Response:
        job = _authoring_job(request, AuthoringJob.Kind.EXPORT, job_id, project_name)
        return Response(job.result)


# ---- Training


def _train_options(body: dict[str, Any]) -> dict[str, Any]:
    label = body.get("modelLabel")
    if not isinstance(label, str) or not label:
        raise ValidationError("modelLabel is required.", target="modelLabel")
    version = body.get("trainingConfigVersion") or LATEST_CONFIG
    if version not in (LATEST_CONFIG, TRAINING_CONFIG_VERSION):
        raise ValidationError(
            f"trainingConfigVersion is {TRAINING_CONFIG_VERSION!r} or {LATEST_CONFIG!r}.",
            target="trainingConfigVersion",
        )
    options = body.get("evaluationOptions") or {}
    if not isinstance(options, dict):
        raise ValidationError("evaluationOptions is an object.", target="evaluationOptions")
    kind = str(options.get("kind") or "percentage").lower()
    if kind not in ("percentage", "manual"):
        raise ValidationError(
            "evaluationOptions.kind is percentage or manual.", target="evaluationOptions.kind"
        )
    mode = body.get("trainingMode") or "quick"
    return {
        "model_name": label,
        "split": "manual" if kind == "manual" else "automatic",
        # Azure's CLU words map onto ours; `quick`/`standard` are the studio's own.
        "mode": {"advanced": "standard"}.get(mode, mode),
    }


@extend_schema(request=OpenApiTypes.OBJECT, responses={202: None})
class TrainApi(AzureView):
    def post(self, request: Request, project_name: str) -> Response:
        options = _train_options(_body(request))
        job = services.start_training(project=request.project, user=request.user, **options)
        return self.accepted(request, f"{project_name}/train/jobs/{job.job_id}")


@extend_schema(responses=OpenApiTypes.OBJECT)
class TrainJobListApi(AzureView):
    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="azure_train_jobs_list")
    def get(self, request: Request, project_name: str) -> Response:
        jobs = selectors.list_jobs(request.project)
        return _page(self, request, [ga_job(job) for job in jobs], f"{project_name}/train/jobs")


@extend_schema(responses=OpenApiTypes.OBJECT)
class TrainJobApi(AzureView):
    def get(self, request: Request, project_name: str, job_id: str) -> Response:
        return Response(ga_job(selectors.get_job(request.project, job_id)))


@extend_schema(request=None, responses={202: None})
class TrainJobCancelApi(AzureView):
    def post(self, request: Request, project_name: str, job_id: str) -> Response:
        services.cancel_job(selectors.get_job(request.project, job_id))
        return self.accepted(request, f"{project_name}/train/jobs/{job_id}")


# ---- Models and evaluation


class ModelListApi(AzureView):
    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="azure_models_list")
    def get(self, request: Request, project_name: str) -> Response:
        models = [model_json(m) for m in selectors.trained_models(request.project)]
        return Response({"value": models, "nextLink": None})


@extend_schema(responses={200: OpenApiTypes.OBJECT, 204: None})
class ModelApi(AzureView):
    def get(self, request: Request, project_name: str, model_name: str) -> Response:
        return Response(model_json(selectors.get_model(request.project, model_name)))

    def delete(self, request: Request, project_name: str, model_name: str) -> Response:
        services.delete_model(selectors.get_model(request.project, model_name))
        return Response(status=204)


@extend_schema(responses=OpenApiTypes.OBJECT)
class EvaluationSummaryApi(AzureView):
    def get(self, request: Request, project_name: str, model_name: str) -> Response:
        model = selectors.get_evaluated_model(request.project, model_name)
        return Response(evaluation_summary(request.project, model))


@extend_schema(responses=OpenApiTypes.OBJECT)
class EvaluationResultApi(AzureView):
    def get(self, request: Request, project_name: str, model_name: str) -> Response:
        model = selectors.get_model(request.project, model_name)
        items = [
            evaluation_result(request.project, item)
            for item in selectors.evaluation_results(model, "test")
        ]
        path = f"{project_name}/models/{model_name}/evaluation/result"
        return _page(self, request, items, path)


def _int_param(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number.", target=name) from None
    if value < 0:
        raise ValidationError(f"{name} cannot be negative.", target=name)
    return value


def _page(view: AzureView, request: Request, items: list[Any], path: str) -> Response:
    """Azure's paging: `top` caps the total, `skip` offsets, `maxpagesize` sizes one page."""
    skip = _int_param(request, "skip", 0) or 0
    top = _int_param(request, "top", None)
    size = max(1, _int_param(request, "maxpagesize", DEFAULT_PAGE) or DEFAULT_PAGE)
    end = len(items) if top is None else min(len(items), skip + top)
    stop = min(end, skip + size)
    next_link = None
    if stop < end:
        next_link = view.url(request, path) + f"&skip={stop}&maxpagesize={size}"
        if top is not None:
            next_link += f"&top={end - stop}"
    return Response({"value": items[skip:stop], "nextLink": next_link})
