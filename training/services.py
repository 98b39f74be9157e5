"""Training jobs: start, cancel, what the reaper needs to know of them, and the body the
Celery task runs.

Web code calls `start_training` and `cancel_job`; only the worker calls `run_training_job`,
which is the one place that imports the engine (torch is heavy, and the web process never
needs it). Reads (`get_job`, `list_jobs`) never write: lost jobs are failed by the periodic
reaper, and by `start_training` for the project it is about to lock.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from projects.models import Class, Document, Project, Split
from projects.names import validate_resource_name
from studio.errors import Conflict, NotFound, ValidationError
from studio.jobs import ACTIVE_STATUSES, RUNNING_STATUSES, Heartbeat, JobKind, fail_lost
from training.models import (
    JobStatus,
    SplitKind,
    TrainedModel,
    TrainingJob,
    TrainingMode,
)
from training.progress import JobProgress, publish

log = logging.getLogger(__name__)

MAX_MODELS_PER_PROJECT = 10
# Azure's guidance: fewer than this many tagged documents in a class gives a weak model.
FEW_DOCUMENTS_WARNING = 15
RESULTS_FILE = "evaluation_results.json"
TERMINAL = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
# The task is sent by name: training/tasks.py imports this module for the body it runs.
RUN_JOB_TASK = "training.run_job"


# ---- Reading what training would see


def tagged_class_counts(project: Project) -> dict[str, int]:
    """Tagged documents per class, for the readiness summary and the 2-class rule."""
    rows = (
        Class.objects.filter(project=project)
        .annotate(n=Count("tags__document", distinct=True))
        .order_by("order", "name")
        .values_list("name", "n")
    )
    return dict(rows)


def training_readiness(project: Project, *, seed: int = 42) -> dict[str, Any]:
    """What the Train page shows before training: tagged documents per class, the classes
    with too few, and the split sizes and evaluation outcome for each split kind, computed
    with the engine's own split function so the page never promises what training won't do."""
    from training.engine.errors import EngineError
    from training.engine.split import MIN_DOCUMENTS_FOR_EVALUATION, split_documents

    counts = tagged_class_counts(project)
    labels, manual = _usable_labels(project)
    splits = {}
    for kind in SplitKind.values:
        if not labels:
            splits[kind] = {"train": 0, "validation": 0, "test": 0, "evaluation": False,
                            "reason": "There are no tagged documents yet."}  # fmt: skip
            continue
        try:
            split = split_documents(
                labels, seed=seed, manual=manual if kind == SplitKind.MANUAL else None
            )
        except EngineError as exc:  # its message says what is wrong with the split
            splits[kind] = {"train": 0, "validation": 0, "test": 0, "evaluation": False,
                            "reason": exc.message}  # fmt: skip
            continue
        splits[kind] = {**split.counts(), "evaluation": split.reason is None,
                        "reason": split.reason}  # fmt: skip
    usable = [name for name, n in counts.items() if n > 0]
    return {
        "classes": [
            {"name": name, "documents": n, "few": n < FEW_DOCUMENTS_WARNING}
            for name, n in counts.items()
        ],
        "documents": len(labels),
        "few_threshold": FEW_DOCUMENTS_WARNING,
        "min_for_evaluation": MIN_DOCUMENTS_FOR_EVALUATION,
        "can_train": len(usable) >= 2,
        "blocker": None
        if len(usable) >= 2
        else f"Training needs tagged documents in at least 2 classes; {len(usable)} class(es) "
        "have any. Tag more documents first.",
        "splits": splits,
    }


def _usable_labels(project: Project) -> tuple[list[list[str]], list[str]]:
    """Class names and manual split of each document training would use (the same filter as
    the worker's snapshot: a single-label document needs exactly one class)."""
    rows = (
        Document.objects.filter(project=project, tags__isnull=False)
        .distinct()
        .order_by("pk")
        .prefetch_related("tags__category")
    )
    labels, manual = [], []
    for doc in rows:
        names = sorted({tag.category.name for tag in doc.tags.all()})
        if not project.is_multi_label and len(names) != 1:
            continue
        labels.append(names)
        manual.append("test" if doc.split == Split.TEST else "train")
    return labels, manual


def _check_options(mode: str, split: str, epochs: int | None, seed: int) -> None:
    if mode not in TrainingMode.values:
        raise ValidationError(
            f"The training mode must be one of {', '.join(TrainingMode.values)}.", target="mode"
        )
    if split not in SplitKind.values:
        raise ValidationError(
            f"The data split must be one of {', '.join(SplitKind.values)}.", target="split"
        )
    if epochs is not None and (not isinstance(epochs, int) or not 1 <= epochs <= 100):
        raise ValidationError("Epochs must be a whole number from 1 to 100.", target="epochs")
    if not isinstance(seed, int):
        raise ValidationError("The seed must be a whole number.", target="seed")


def start_training(
    *,
    project: Project,
    model_name: str,
    user: AbstractBaseUser | None,
    mode: str = TrainingMode.QUICK,
    split: str = SplitKind.AUTOMATIC,
    epochs: int | None = None,
    seed: int = 42,
    base_model: str | None = None,
    overwrite_ok: bool = True,
) -> TrainingJob:
    """Validate, create the job (one active per project, enforced by the database) and queue
    the Celery task once the row is committed, so the worker always finds it."""
    try:
        validate_resource_name(model_name)
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.messages[0], target="modelName", inner_code="InvalidParameterValue"
        ) from exc
    _check_options(mode, split, epochs, seed)
    existing = TrainedModel.objects.filter(project=project, name=model_name).first()
    if existing and existing.version and not overwrite_ok:
        raise Conflict(
            f"The model {model_name!r} already exists; confirm to overwrite its last trained state."
        )
    if existing is None:
        count = TrainedModel.objects.filter(project=project).count()
        if count >= MAX_MODELS_PER_PROJECT:
            raise ValidationError(
                f"A project has at most {MAX_MODELS_PER_PROJECT} models; delete one or retrain "
                "an existing model.",
                target="modelName",
            )
    counts = tagged_class_counts(project)
    usable = {name: n for name, n in counts.items() if n > 0}
    if len(usable) < 2:
        raise ValidationError(
            "Training needs tagged documents in at least 2 classes; "
            f"{len(usable)} class(es) have any. Tag more documents first.",
            code="InvalidRequest",
            inner_code="InsufficientTaggedData",
        )
    warnings = [
        {
            "code": "FewTaggedDocuments",
            "message": f"The class {name!r} has only {n} tagged documents; "
            f"{FEW_DOCUMENTS_WARNING} or more give better models.",
        }
        for name, n in usable.items()
        if n < FEW_DOCUMENTS_WARNING
    ]
    options = {
        "mode": mode,
        "split": split,
        "epochs": epochs,
        "seed": seed,
        "base_model": base_model or None,
    }
    # A job whose worker died would hold the project's one slot until beat's next round.
    fail_lost(TRAINING_JOBS, timezone.now(), project=project)
    try:
        with transaction.atomic():
            job = TrainingJob.objects.create(
                project=project,
                model_name=model_name,
                options=options,
                warnings=warnings,
                created_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"A training job is already running in {project.name!r}; wait for it to end or "
            "cancel it.",
            inner_code="TrainingJobAlreadyRunning",
        ) from exc
    transaction.on_commit(lambda: _send(job))
    _publish(job, "job.created")
    return job


def get_job(project: Project, job_id: str) -> TrainingJob:
    job = _find_job(project, job_id)
    if job is None:
        raise NotFound(f"The training job {job_id!r} does not exist.", code="NotFound")
    return job


def _find_job(project: Project, job_id: str) -> TrainingJob | None:
    import uuid

    try:
        uuid.UUID(str(job_id))
    except ValueError:
        return None
    return TrainingJob.objects.filter(project=project, job_id=job_id).first()


def list_jobs(project: Project) -> list[TrainingJob]:
    return list(TrainingJob.objects.filter(project=project).order_by("-created_at"))


def cancel_job(job: TrainingJob) -> TrainingJob:
    """A queued job ends at once; a running one becomes `cancelling` and the worker stops at
    its next check. Cancelling an ended job is a 409: there is nothing to stop."""
    now = timezone.now()
    if TrainingJob.objects.filter(pk=job.pk, status=JobStatus.NOT_STARTED).update(
        status=JobStatus.CANCELLED,
        evaluation_status=JobStatus.CANCELLED,
        phase="cancelled",
        ended_at=now,
        updated_at=now,
    ):
        pass
    elif not TrainingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.CANCELLING, updated_at=now
    ):
        job.refresh_from_db()
        if job.status == JobStatus.CANCELLING:
            return job
        raise Conflict(f"The training job already ended ({job.status}); nothing to cancel.")
    job.refresh_from_db()
    _publish(job, "job.finished" if job.status in TERMINAL else "job.progress")
    return job


def _send(job: TrainingJob) -> None:
    current_app.send_task(RUN_JOB_TASK, args=[str(job.job_id)])


def _fail(job: TrainingJob, code: str, message: str) -> int:
    return _fail_queued_or_lost(job, timezone.now(), _error(code, message))


TRAINING_JOBS = JobKind(
    model=TrainingJob,
    queue="training",
    send=_send,
    fail=_fail,
    lost="The worker running this job stopped (worker lost). Train again.",
    unclaimed="No training worker took this job, although it was sent again several times. "
    "Check that the training worker runs, then train again.",
)


def _fail_queued_or_lost(job: TrainingJob, now: datetime, error: dict[str, str]) -> int:
    failed = TrainingJob.objects.filter(pk=job.pk, status=job.status).update(
        status=JobStatus.FAILED,
        evaluation_status=JobStatus.FAILED,
        phase="failed",
        errors=[error],
        ended_at=now,
        updated_at=now,
    )
    job.refresh_from_db()
    _publish(job, "job.finished")
    return failed


# ---- The worker side


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
    _publish(job, "job.started")

    staging = Path(settings.STUDIO_ARTIFACTS_DIR) / str(job.project_id) / ".staging" / job_id
    try:
        with Heartbeat(job):
            result, documents = _train(job, staging)
            _finish(job, result, documents, staging)
    except Exception as exc:  # every failure ends the job with a reason
        shutil.rmtree(staging, ignore_errors=True)
        return _end_with_error(job, exc)
    return JobStatus.SUCCEEDED


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
        data, config, staging, on_progress=progress.on_progress, should_stop=progress.should_stop
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
    _publish(job, "job.finished")


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
    _publish(job, "job.finished")
    return job.status


def _engine_code(code: str) -> str:
    """Engine codes are snake_case; Azure's are PascalCase."""
    return "".join(part.capitalize() for part in code.split("_")) or "TrainingFailed"


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _publish(job: TrainingJob, kind: str) -> None:
    publish(job, kind)


# ---- Models and evaluation results


def get_model(project: Project, name: str) -> TrainedModel:
    model = TrainedModel.objects.filter(project=project, name=name, version__gt=0).first()
    if model is None:
        raise NotFound(f"The model {name!r} does not exist in {project.name!r}.")
    return model


def get_evaluated_model(project: Project, name: str) -> TrainedModel:
    """A trained model that has an evaluation; one without says why, as Azure's routes do."""
    model = get_model(project, name)
    if model.evaluation is None:
        raise NotFound(
            f"The model {name!r} has no evaluation: "
            f"{model.evaluation_error or 'it was trained without test documents.'}",
            inner_code="EvaluationNotAvailable",
        )
    return model


def trained_models(project: Project) -> list[TrainedModel]:
    return list(TrainedModel.objects.filter(project=project, version__gt=0).order_by("name"))


def evaluation_results(model: TrainedModel, part: str = "test") -> list[dict[str, Any]]:
    """Per-document predictions of the model's current version (`test` or `validation`)."""
    path = Path(model.artifact_path) / RESULTS_FILE
    if not model.artifact_path or not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8")).get(part, [])


def delete_model(model: TrainedModel) -> None:
    """Delete a model and its files; a deployed model must be undeployed first."""
    if model.deployments.exists():
        raise Conflict(
            f"The model {model.name!r} is deployed; delete or repoint its deployments first."
        )
    if TrainingJob.objects.filter(
        project=model.project, model_name=model.name, status__in=ACTIVE_STATUSES
    ).exists():
        raise Conflict(f"The model {model.name!r} is being trained; cancel the job first.")
    folder = Path(settings.STUDIO_ARTIFACTS_DIR) / str(model.project_id) / model.name
    model.delete()
    shutil.rmtree(folder, ignore_errors=True)
