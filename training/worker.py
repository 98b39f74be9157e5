"""The body the training task runs: claim the job, snapshot the tagged documents, train with
the engine, then switch the model pointer or end the job with a reason.

This is the one module that imports the engine's training code (lazily: torch is heavy and the
web process, which imports the task module, never trains).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from projects.models import Class, Document, Split
from projects.services import embeddings_cache_dir
from studio.jobs import RUNNING_STATUSES, Heartbeat
from training.models import JobStatus, SplitKind, TrainedModel, TrainingJob, TrainingMode
from training.progress import JobProgress, publish
from training.selectors import RESULTS_FILE
from training.services import send_assist

log = logging.getLogger(__name__)


def run_training_job(job_id: str) -> str:
    """Claim the job, train, and switch the model pointer; returns the final status.

    Idempotent: only the conditional claim `notStarted → running` proceeds, so a redelivered
    message (late acks) for a job already claimed returns at once.
    """
    claimed = TrainingJob.claim(
        Q(job_id=job_id), evaluation_status=JobStatus.NOT_STARTED, phase="preparing"
    )
    job = TrainingJob.objects.select_related("project").filter(job_id=job_id).first()
    if job is None:
        return "missing"
    if not claimed:
        return f"skipped ({job.status})"
    publish(job, "job.started")

    staging = Path(settings.STUDIO_ARTIFACTS_DIR) / str(job.project_id) / ".staging" / job_id
    try:
        with Heartbeat(job):
            result, documents = _train(job, staging)
            _finish(job, result, documents, staging)
    except Exception as exc:  # every failure ends the job with a reason
        shutil.rmtree(staging, ignore_errors=True)
        return _end_with_error(job, exc)
    _ask_for_assist(job)
    return JobStatus.SUCCEEDED


def _ask_for_assist(job: TrainingJob) -> None:
    """The new model orders the tag-next queue and ranks the tags (training.assist), as a task
    of its own so the job ends now. The model is trained whatever the broker does."""
    try:
        send_assist(job.project_id)
    except Exception:
        log.warning("Could not ask for the assist lists of job %s", job.job_id, exc_info=True)


def _train(job: TrainingJob, staging: Path) -> tuple[Any, dict[str, dict[str, str]]]:
    from training.engine.config import TrainConfig
    from training.engine.train import train

    data, documents = _snapshot(job)
    options = job.options
    config = TrainConfig(
        mode=options.get("mode", "quick"),
        base_model=options.get("base_model") or None,
        seed=int(options.get("seed", 42)),
        epochs=options.get("epochs"),
        device=getattr(settings, "STUDIO_TRAINING_DEVICE", "auto"),
    )
    progress = JobProgress(job)
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    result = train(
        data,
        config,
        staging,
        on_progress=progress.on_progress,
        should_stop=progress.should_stop,
        cache_dir=settings.STUDIO_CACHE_DIR,
        embeddings_dir=embeddings_cache_dir(job.project_id),
    )
    return result, documents


def _snapshot(job: TrainingJob) -> tuple[Any, dict[str, dict[str, str]]]:
    """The tagged documents as the engine wants them, read once: later edits do not leak in."""
    from training.engine.data import TrainingData

    project = job.project
    rows = (
        Document.objects.filter(project=project, tags__isnull=False)
        .distinct()
        .order_by("pk")
        .prefetch_related("tags__category")
    )
    texts, labels, ids, splits = [], [], [], []
    documents: dict[str, dict[str, str]] = {}
    for doc in rows.iterator(chunk_size=2000):
        names = sorted({tag.category.name for tag in doc.tags.all()})
        if not project.is_multi_label and len(names) != 1:
            continue
        texts.append(doc.text)
        labels.append(names)
        ids.append(str(doc.pk))
        splits.append("test" if doc.split == Split.TEST else "train")
        documents[str(doc.pk)] = {
            "location": doc.name,
            "language": doc.language or project.language,
        }
    used = {name for names in labels for name in names}
    classes = [
        name
        for name in Class.objects.filter(project=project)
        .order_by("order", "name")
        .values_list("name", flat=True)
        if name in used
    ]
    manual = splits if job.options.get("split") == SplitKind.MANUAL else None
    data = TrainingData(texts, labels, classes, project.is_multi_label, ids, manual)
    return data, documents


def _finish(
    job: TrainingJob, result: Any, documents: dict[str, dict[str, str]], staging: Path
) -> None:
    """Move the artifact to its version folder and switch the model pointer in one transaction;
    if the job was cancelled or reaped meanwhile, the new artifact is thrown away."""
    evaluation = result.evaluation.to_dict() if result.evaluation else None
    results = {
        "split": result.split,
        "validation": [_enrich(p, documents) for p in result.validation_predictions],
        "test": [_enrich(p, documents) for p in result.test_predictions],
    }
    (staging / RESULTS_FILE).write_text(json.dumps(results), encoding="utf-8")
    now = timezone.now()
    with transaction.atomic():
        locked = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.RUNNING:
            # A cancel accepted (202) is honoured even when the engine just finished.
            raise _Abandoned(locked.status)
        model, _ = TrainedModel.objects.select_for_update().get_or_create(
            project_id=job.project_id, name=job.model_name
        )
        folder = Path(settings.STUDIO_ARTIFACTS_DIR) / str(job.project_id) / job.model_name
        folder.mkdir(parents=True, exist_ok=True)
        version = model.version + 1
        while (folder / f"v{version}").exists():  # left by a run whose commit failed
            version += 1
        target = folder / f"v{version}"
        staging.rename(target)
        try:
            model.version = version
            model.artifact_path = str(target)
            model.mode = job.options.get("mode", TrainingMode.QUICK)
            model.config = {**result.config.to_dict(), "split": job.options.get("split")}
            model.evaluation = evaluation
            model.evaluation_error = result.evaluation_error or ""
            model.split_counts = dict(result.counts)
            model.trained_at = now
            model.training_duration_s = result.duration_s
            model.save()
            TrainingJob.objects.filter(pk=job.pk).update(
                status=JobStatus.SUCCEEDED,
                evaluation_status=JobStatus.SUCCEEDED if evaluation else JobStatus.FAILED,
                errors=[],
                warnings=job.warnings
                + (
                    [_error("EvaluationUnavailable", result.evaluation_error)]
                    if result.evaluation_error
                    else []
                ),
                phase="done",
                percent=100,
                eta_s=0,
                history=result.history or job.history,
                ended_at=now,
                updated_at=now,
            )
        except Exception:
            target.rename(staging)
            raise
    job.refresh_from_db()
    publish(job, "job.finished")


class _Abandoned(Exception):
    """The job left `running` while the engine worked (cancelled late, or reaped)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def _enrich(prediction: dict[str, Any], documents: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {**prediction, **documents.get(str(prediction["id"]), {})}


def _end_with_error(job: TrainingJob, exc: Exception) -> str:
    from training.engine.errors import Cancelled, EngineError

    now = timezone.now()
    if isinstance(exc, _Abandoned):
        if exc.status == JobStatus.CANCELLING:
            status, errors = JobStatus.CANCELLED, []
        else:
            return exc.status
    elif isinstance(exc, Cancelled):
        status, errors = JobStatus.CANCELLED, []
    elif isinstance(exc, EngineError):
        status = JobStatus.FAILED
        errors = [_error(_engine_code(exc.code), exc.message)]
    else:
        log.exception("Training job %s failed", job.job_id)
        status = JobStatus.FAILED
        errors = [
            _error(
                "InternalServerError",
                f"Training stopped on an unexpected error ({type(exc).__name__}: {exc}). "
                "Train again; if it repeats, check the worker log.",
            )
        ]
    TrainingJob.objects.filter(pk=job.pk, status__in=RUNNING_STATUSES).update(
        status=status,
        evaluation_status=status,
        phase=status,
        errors=errors,
        ended_at=now,
        updated_at=now,
    )
    job.refresh_from_db()
    publish(job, "job.finished")
    return job.status


def _engine_code(code: str) -> str:
    """Engine codes are snake_case; Azure's are PascalCase."""
    return "".join(part.capitalize() for part in code.split("_")) or "TrainingFailed"


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}
