"""Predictions from a deployment: per-document validation, the engine's cached classifier, the
project's confidence threshold, and the runtime `analyze-text` jobs built on top of them."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from projects.access import RULES, project_for
from studio.errors import NotFound, ValidationError
from studio.jobs import Heartbeat, JobKind
from training.deployments import get_deployment_to_serve
from training.models import AnalyzeJob, Deployment, JobStatus

# Azure's documented runtime limits: 25 documents per request, 125,000 characters in all.
MAX_CHARS_PER_DOCUMENT = 125_000
AZURE_MAX_DOCUMENTS = 25
AZURE_MAX_TOTAL_CHARS = 125_000
STUDIO_MAX_DOCUMENTS = 1_000
# Jobs up to this many characters are predicted during the POST; larger ones go to a worker.
SYNC_MAX_CHARS = 20_000
TOP_ALTERNATIVES = 5
# The task is sent by name: its module imports this one for the body it runs.
ANALYZE_JOB_TASK = "training.analyze_job"

SINGLE_KIND = "CustomSingleLabelClassification"
MULTI_KIND = "CustomMultiLabelClassification"


@dataclass
class DocumentResult:
    id: str
    # The predicted class or classes, (category, confidence), best first.
    classes: list[tuple[str, float]] = field(default_factory=list)
    # The best-ranked classes whatever was chosen, for "top alternatives".
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    error: dict[str, Any] | None = None


def document_error(message: str, inner: str = "InvalidDocument") -> dict[str, Any]:
    return {
        "code": "InvalidArgument",
        "message": message,
        "innererror": {"code": inner, "message": message},
    }


def check_text(text: Any) -> dict[str, Any] | None:
    """Azure's per-document errors: the document is skipped, the others are still predicted."""
    if not isinstance(text, str) or not text.strip():
        return document_error("Document text is empty.")
    if len(text) > MAX_CHARS_PER_DOCUMENT:
        return document_error(
            f"A document within the request was too large to be processed. Limit document size "
            f"to: {MAX_CHARS_PER_DOCUMENT} characters. The document has {len(text)}."
        )
    return None


def _ranked(prediction: Any) -> tuple[list[tuple[str, float]], list[str]]:
    """The engine's prediction as (every class with its confidence best first, the chosen ones)."""
    ranked = [(str(c), float(p)) for c, p in prediction.scores]
    return ranked, list(prediction.classes)


def predict_texts(deployment: Deployment, texts: list[str]) -> list[Any]:
    from training.engine import inference_thread
    from training.engine.predict import get_classifier

    classifier = get_classifier(deployment.artifact_path, quantize=deployment.quantize)
    return inference_thread.run_batched(classifier.predict, texts)


def preload(deployment: Deployment) -> None:
    """Load the deployment's model into this process's cache in the background.

    Loading takes seconds; the Test model page starts it when it renders so the user's first
    Classify does not pay for it. Failures are left for the real request to report.
    """
    from training.engine.predict import get_classifier

    def load() -> None:
        # A missing or broken artifact is reported by the request that needs the model.
        with contextlib.suppress(Exception):
            get_classifier(deployment.artifact_path, quantize=deployment.quantize)

    threading.Thread(target=load, name=f"preload-{deployment.pk}", daemon=True).start()


def classify(deployment: Deployment, documents: list[tuple[str, Any]]) -> list[DocumentResult]:
    """Predict `documents` ((id, text) pairs) with the model version pinned by `deployment`.

    Invalid documents get an error of their own; the valid ones are predicted in one batch.
    """
    results = [DocumentResult(id=doc_id, error=check_text(text)) for doc_id, text in documents]
    valid = [i for i, r in enumerate(results) if r.error is None]
    if not valid:
        return results
    predictions = predict_texts(deployment, [documents[i][1] for i in valid])
    threshold = deployment.project.confidence_threshold or 0.0
    multi = deployment.project.is_multi_label
    for index, prediction in zip(valid, predictions, strict=True):
        ranked, chosen = _ranked(prediction)
        scores = dict(ranked)
        if not multi:
            chosen = chosen[:1] or [ranked[0][0]]
        picked = [(c, scores[c]) for c in chosen if scores.get(c, 0.0) >= threshold]
        results[index].classes = sorted(picked, key=lambda cp: -cp[1])
        results[index].alternatives = ranked[:TOP_ALTERNATIVES]
    return results


# --- Runtime analyze-text jobs -------------------------------------------------------------------


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
        AnalyzeJob.objects.filter(job_id=job_id, created_by=user).first() if _uuid(job_id) else None
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


def _uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
