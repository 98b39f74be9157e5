"""Training's writes: start and cancel jobs, fail the ones the reaper finds lost, delete models.

Web code calls `start_training` and `cancel_job`; the job itself runs in `training.worker`,
sent by task name so the web side never imports the worker body. Reads live in
`training.selectors` and never write: lost jobs are failed by the periodic reaper, and by
`start_training` for the project it is about to lock.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.landing import REFRESH_TAG_QUEUE_TASK
from projects.models import Project, Tag
from projects.names import validate_resource_name
from studio.errors import Conflict, ValidationError
from studio.jobs import ACTIVE_STATUSES, JobKind, fail_lost
from training.models import JobStatus, SplitKind, TrainedModel, TrainingJob, TrainingMode
from training.progress import publish
from training.selectors import few_tags_warnings, latest_model, tagged_class_counts

MAX_MODELS_PER_PROJECT = 10
TERMINAL = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
# Sent by name: `training/tasks.py` binds it to the worker body, which the web side never imports.
RUN_JOB_TASK = "training.run_job"


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
            exc.messages[0], target="model_name", inner_code="InvalidParameterValue"
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
                target="model_name",
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
    warnings = few_tags_warnings(usable)
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
    publish(job, "job.created")
    return job


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
    publish(job, "job.finished" if job.status in TERMINAL else "job.progress")
    return job


def _send(job: TrainingJob) -> None:
    current_app.send_task(RUN_JOB_TASK, args=[str(job.job_id)])


def _fail(job: TrainingJob, code: str, message: str) -> int:
    return _fail_queued_or_lost(job, timezone.now(), {"code": code, "message": message})


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
    publish(job, "job.finished")
    return failed


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


# ---- Assisted tagging: sending its worker work, and the automatic retrain

# Sent by name, on the training queue: the worker computes one at a time, behind trainings.
ASSIST_TASK = "training.compute_assist"


def send_assist(project_id: int) -> None:
    """After a training: the queue and the mislabelled list from the new model."""
    current_app.send_task(ASSIST_TASK, args=[project_id], queue="training")


def request_tag_queue_refresh(project: Project) -> datetime:
    """Compute the tag-next queue again on the worker (a cold-start one when there is no model
    to order by); returns the time asked, which the queue's `computed_at` passes once done."""
    asked = timezone.now()
    transaction.on_commit(
        lambda: current_app.send_task(REFRESH_TAG_QUEUE_TASK, args=[project.pk], queue="training")
    )
    return asked


def retrain_if_due(project_id: int) -> str:
    """Start a quick retrain of the project's latest model (overwriting it) when at least
    `auto_retrain_every` tags were added since it was trained and no job is active; returns
    what it did. The tagging services send this after a tag lands."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not project.auto_retrain_every:
        return "off"
    model = latest_model(project)
    if model is None:
        return "no model"
    new = Tag.objects.filter(document__project=project, created_at__gt=model.trained_at).count()
    if new < project.auto_retrain_every:
        return "not due"
    if TrainingJob.objects.filter(project=project, status__in=ACTIVE_STATUSES).exists():
        return "busy"
    try:
        start_training(
            project=project,
            model_name=model.name,
            user=None,
            mode=TrainingMode.QUICK,
            split=(model.config or {}).get("split") or SplitKind.AUTOMATIC,
            overwrite_ok=True,
        )
    except Conflict:  # a job started meanwhile
        return "busy"
    except ValidationError:  # the tags no longer allow training (fewer than two classes)
        return "refused"
    return "started"
