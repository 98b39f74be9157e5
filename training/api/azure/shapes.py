"""Model rows → Azure JSON, in one place so the preview and GA routes agree on every word."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from projects.models import Project, ProjectKind
from studio.jobs import AzureJob
from training.models import JobStatus, TrainedModel, TrainingJob

AZURE_KIND = {
    ProjectKind.SINGLE_LABEL: "CustomSingleLabelClassification",
    ProjectKind.MULTI_LABEL: "CustomMultiLabelClassification",
}
KIND_OF_AZURE = {azure: kind for kind, azure in AZURE_KIND.items()}
# Azure answers a dated training configuration (its docs show this one) and takes `latest`
# on input as that same configuration.
TRAINING_CONFIG_VERSION = "2022-05-01"
LATEST_CONFIG = "latest"
MODEL_LIFETIME = timedelta(days=730)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def azure_job_json(
    job: AzureJob, *, status: str | None = None, warnings: bool = True, **extra: Any
) -> dict[str, Any]:
    """Azure's job state for every kind of job: the fields all job routes share, in Azure's
    order, then the route's own (`extra`). `status` overrides the row's word where a route
    shows another; `warnings=False` for the routes whose job state has none."""
    body: dict[str, Any] = {
        "jobId": str(job.job_id),
        "createdDateTime": iso(job.created_at),
        "lastUpdatedDateTime": iso(job.updated_at),
        "expirationDateTime": iso(job.expires_at),
        "status": status or job.status,
    }
    if warnings:
        body["warnings"] = job.warnings
    return {**body, "errors": job.errors, **extra}


def preview_status(status: str) -> str:
    """The seed's words: `cancelling` is still work in progress, so it reads `running`."""
    return JobStatus.RUNNING if status == JobStatus.CANCELLING else status


def _first_error(errors: list[dict[str, Any]]) -> dict[str, str] | None:
    return {"code": errors[0]["code"], "message": errors[0]["message"]} if errors else None


def preview_job(job: TrainingJob) -> dict[str, Any]:
    """The seed's train job status JSON, every field it shows."""
    status = preview_status(job.status)
    updated = iso(job.updated_at)
    evaluation_error = next(
        (w for w in job.warnings if w.get("code") == "EvaluationUnavailable"), None
    )
    active = job.is_active
    counts = {
        "tasks": [
            {
                "trainingModelName": job.model_name,
                "evaluationStatus": {
                    "status": preview_status(job.evaluation_status),
                    "lastUpdatedDateTime": updated,
                    "error": _first_error([evaluation_error] if evaluation_error else job.errors),
                },
                "status": status,
                "lastUpdatedDateTime": updated,
                "error": _first_error(job.errors),
            }
        ],
        "inProgress": 1 if active else 0,
        "completed": 1 if job.status == JobStatus.SUCCEEDED else 0,
        "failed": 1 if job.status in (JobStatus.FAILED, JobStatus.CANCELLED) else 0,
        "total": 1,
    }
    return {**counts, **azure_job_json(job, status=status, warnings=False)}


def _phase_status(job: TrainingJob, status: str) -> dict[str, Any]:
    return {
        "percentComplete": int(job.percent if status != JobStatus.SUCCEEDED else 100),
        "startDateTime": iso(job.started_at),
        "endDateTime": iso(job.ended_at),
        "status": status,
    }


def ga_job(job: TrainingJob) -> dict[str, Any]:
    """GA training job state (`TrainingJobState` in the official client)."""
    split = (job.options or {}).get("split")
    body = azure_job_json(
        job,
        result={
            "modelLabel": job.model_name,
            "trainingConfigVersion": TRAINING_CONFIG_VERSION,
            "trainingMode": (job.options or {}).get("mode", "quick"),
            "evaluationOptions": evaluation_options(split),
            "trainingStatus": _phase_status(job, job.status),
            "evaluationStatus": _phase_status(job, job.evaluation_status),
        },
    )
    if job.is_active and job.eta_s is not None and job.updated_at:
        body["result"]["estimatedEndDateTime"] = iso(job.updated_at + timedelta(seconds=job.eta_s))
    return body


def evaluation_options(split: str | None) -> dict[str, Any]:
    if split == "manual":
        return {"kind": "manual"}
    return {"kind": "percentage", "trainingSplitPercentage": 80, "testingSplitPercentage": 20}


def model_json(model: TrainedModel) -> dict[str, Any]:
    trained = model.trained_at
    return {
        "label": model.name,
        "modelId": f"{model.name}-v{model.version}",
        "lastTrainedDateTime": iso(trained),
        "lastTrainingDurationInSeconds": round(model.training_duration_s or 0),
        "modelExpirationDate": (trained + MODEL_LIFETIME).date().isoformat() if trained else None,
        "modelTrainingConfigVersion": TRAINING_CONFIG_VERSION,
        "hasSnapshot": False,
    }


def evaluation_summary(project: Project, model: TrainedModel) -> dict[str, Any]:
    evaluation = model.evaluation or {}
    classes = {
        name: {
            "f1": m["f1"],
            "precision": m["precision"],
            "recall": m["recall"],
            "truePositiveCount": m["tp"],
            "trueNegativeCount": m["tn"],
            "falsePositiveCount": m["fp"],
            "falseNegativeCount": m["fn"],
        }
        for name, m in (evaluation.get("per_class") or {}).items()
    }
    figures: dict[str, Any] = {
        "classes": classes,
        "microF1": evaluation.get("micro_f1", 0.0),
        "microPrecision": evaluation.get("micro_precision", 0.0),
        "microRecall": evaluation.get("micro_recall", 0.0),
        "macroF1": evaluation.get("macro_f1", 0.0),
        "macroPrecision": evaluation.get("macro_precision", 0.0),
        "macroRecall": evaluation.get("macro_recall", 0.0),
    }
    kind = AZURE_KIND[project.kind]
    if project.is_multi_label:
        key = "customMultiLabelClassificationEvaluation"
    else:
        key = "customSingleLabelClassificationEvaluation"
        figures = {
            "confusionMatrix": _confusion(evaluation.get("confusion_matrix") or {}),
            **figures,
        }
    return {
        "projectKind": kind,
        "evaluationOptions": evaluation_options((model.config or {}).get("split")),
        key: figures,
    }


def _confusion(matrix: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Tagged x predicted, with each row's share in percent as Azure's `normalizedValue`."""
    out: dict[str, Any] = {}
    for expected, row in matrix.items():
        total = sum(row.values()) or 1
        out[expected] = {
            predicted: {"normalizedValue": round(100 * n / total, 4), "rawValue": float(n)}
            for predicted, n in row.items()
        }
    return out


def evaluation_result(project: Project, item: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "projectKind": AZURE_KIND[project.kind],
        "location": item.get("location", str(item.get("id"))),
        "language": item.get("language") or project.language,
    }
    if project.is_multi_label:
        body["customMultiLabelClassificationResult"] = {
            "expectedClasses": list(item.get("expected") or []),
            "predictedClasses": list(item.get("predicted") or []),
        }
    else:
        expected, predicted = item.get("expected") or [""], item.get("predicted") or [""]
        body["customSingleLabelClassificationResult"] = {
            "expectedClass": expected[0],
            "predictedClass": predicted[0],
        }
    return body


def project_json(project: Project) -> dict[str, Any]:
    last_model = (
        TrainedModel.objects.filter(project=project, trained_at__isnull=False)
        .order_by("-trained_at")
        .values_list("trained_at", flat=True)
        .first()
    )
    last_deployed = (
        project.deployments.order_by("-deployed_at").values_list("deployed_at", flat=True).first()
    )
    body = {
        "projectName": project.name,
        "projectKind": AZURE_KIND[project.kind],
        "storageInputContainerName": project.storage_container,
        "language": project.language,
        "multilingual": project.multilingual,
        "description": project.description,
        "settings": {"confidenceThreshold": project.confidence_threshold},
        "createdDateTime": iso(project.created_at),
        "lastModifiedDateTime": iso(project.updated_at),
    }
    if last_model:
        body["lastTrainedDateTime"] = iso(last_model)
    if last_deployed:
        body["lastDeployedDateTime"] = iso(last_deployed)
    return body
