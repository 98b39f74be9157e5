"""Training's reads: what training would see, jobs, models and their evaluation results.

Nothing here writes, so a GET that calls these never changes the database; pages and both APIs
read through this one module.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db.models import Count, Q

from projects.models import AssistState, Class, Document, Project, Split
from projects.readiness import AUTOMATIC_SPLIT_TEXT, FEW_TAGS, few_tags_message
from projects.selectors import still_current
from studio.errors import NotFound
from studio.jobs import RUNNING_STATUSES, JobStatus, is_job_id
from training.models import SplitKind, TrainedModel, TrainingJob

# Written by the worker beside each version's artifact, read by the evaluation pages.
RESULTS_FILE = "evaluation_results.json"


def tagged_class_counts(project: Project) -> dict[str, int]:
    """Tagged documents per class, for the readiness summary and the 2-class rule."""
    rows = (
        Class.objects.filter(project=project)
        .annotate(n=Count("tags__document", distinct=True))
        .order_by("order", "name")
        .values_list("name", "n")
    )
    return dict(rows)


def few_tags_warnings(counts: dict[str, int]) -> list[dict[str, str]]:
    """A training job's warnings for the classes it trains on with too few tagged documents."""
    return [
        {"code": "FewTaggedDocuments", "message": few_tags_message(name, n)}
        for name, n in counts.items()
        if n < FEW_TAGS
    ]


def training_readiness(project: Project, *, seed: int = 42) -> dict[str, Any]:
    """What the Train page shows before training: tagged documents per class, the classes
    with too few, and the split sizes and evaluation outcome for each split kind, computed
    with the engine's own split function so the page never promises what training won't do;
    and, per split kind, what `standard` would run (`standard_estimate`)."""
    from training.engine.errors import EngineError
    from training.engine.split import MIN_DOCUMENTS_FOR_EVALUATION, split_documents

    counts = tagged_class_counts(project)
    labels, manual, mean_chars = _usable_labels(project)
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
        splits[kind]["standard_estimate"] = standard_estimate(
            len(split.train), len(split.validation), mean_chars
        )
    usable = [name for name, n in counts.items() if n > 0]
    return {
        "classes": [
            {"name": name, "documents": n, "few": n < FEW_TAGS} for name, n in counts.items()
        ],
        "documents": len(labels),
        "few_threshold": FEW_TAGS,
        "automatic_split": AUTOMATIC_SPLIT_TEXT,
        "min_for_evaluation": MIN_DOCUMENTS_FOR_EVALUATION,
        "can_train": len(usable) >= 2,
        "blocker": None
        if len(usable) >= 2
        else f"Training needs tagged documents in at least 2 classes; {len(usable)} class(es) "
        "have any. Tag more documents first.",
        "splits": splits,
    }


def standard_estimate(train: int, validation: int, mean_chars: float) -> dict[str, Any]:
    """What `standard` would run for `train` training and `validation` validation documents of
    `mean_chars` characters on average: the automatic epoch count (the engine's own rule), the
    seconds its fine-tuning takes at the engine's measured CPU rate, and whether the run may stop
    before the last epoch (validation documents enough to choose the epoch)."""
    from training.engine.budget import SMALL_VALIDATION, automatic_epochs, estimated_seconds
    from training.engine.config import TrainConfig

    config = TrainConfig(mode="standard")
    epochs = automatic_epochs(train, config.batch_size)
    seconds = estimated_seconds(
        train + validation, epochs, mean_chars=mean_chars, max_length=config.max_length
    )
    return {
        "epochs": epochs,
        "seconds": round(seconds),
        "seconds_per_epoch": round(seconds / epochs, 2),
        "may_stop_early": validation >= SMALL_VALIDATION,
    }


def _usable_labels(project: Project) -> tuple[list[list[str]], list[str], float]:
    """Class names and manual split of each document training would use (the same filter as
    the worker's snapshot: a single-label document needs exactly one class), and their mean
    length in characters."""
    rows = (
        Document.objects.filter(project=project, tags__isnull=False)
        .distinct()
        .order_by("pk")
        .prefetch_related("tags__category")
    )
    labels, manual, chars = [], [], 0
    for doc in rows:
        names = sorted({tag.category.name for tag in doc.tags.all()})
        if not project.is_multi_label and len(names) != 1:
            continue
        labels.append(names)
        manual.append("test" if doc.split == Split.TEST else "train")
        chars += len(doc.text)
    return labels, manual, chars / len(labels) if labels else 0.0


def get_job(project: Project, job_id: str) -> TrainingJob:
    """The project's job by id; a malformed id is as missing as an unknown one."""
    job = _find_job(project, job_id)
    if job is None:
        raise NotFound(f"The training job {job_id!r} does not exist.", code="NotFound")
    return job


def _find_job(project: Project, job_id: str) -> TrainingJob | None:
    if not is_job_id(job_id):
        return None
    # (project, job_id) is unique: no ORDER BY (the model's default ordering) is needed, and
    # building one costs a status poll more than running the query.
    jobs = TrainingJob.objects.filter(project=project, job_id=job_id).order_by()
    return next(iter(jobs[:1]), None)


def queue_positions(jobs: Sequence[TrainingJob]) -> dict[int, dict[str, Any]]:
    """Where each of `jobs` that has not started waits, by pk: its 1-based `position` among
    the not-started jobs of every project on the training Celery queue (oldest first, the
    order the worker takes them), and whether a job runs on that queue now (`running`).
    Training jobs are the one kind of job on that queue; its other tasks (assist lists) are
    short and not counted."""
    waiting = [job for job in jobs if job.status == JobStatus.NOT_STARTED]
    if not waiting:
        return {}
    queued = TrainingJob.objects.filter(status=JobStatus.NOT_STARTED)
    running = TrainingJob.objects.filter(status__in=RUNNING_STATUSES).exists()
    return {
        job.pk: {
            "position": 1
            + queued.filter(
                Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk)
            ).count(),
            "running": running,
        }
        for job in waiting
    }


def list_jobs(project: Project) -> list[TrainingJob]:
    """Every job of the project, newest first, as the Train page and both APIs list them."""
    return list(TrainingJob.objects.filter(project=project).order_by("-created_at"))


def get_model(project: Project, name: str) -> TrainedModel:
    """A model with a trained version; a name only reserved by a running first job is missing."""
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
    """Models with a trained version, by name, for every model list and picker."""
    return list(TrainedModel.objects.filter(project=project, version__gt=0).order_by("name"))


def evaluation_results(model: TrainedModel, part: str = "test") -> list[dict[str, Any]]:
    """Per-document predictions of the model's current version (`test` or `validation`)."""
    path = Path(model.artifact_path) / RESULTS_FILE
    if not model.artifact_path or not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8")).get(part, [])


# ---- Assisted tagging: what the worker stored (training.assist), filtered to what still holds


def latest_model(project: Project) -> TrainedModel | None:
    """The project's most recently trained model: what suggestions and the queue come from."""
    return (
        TrainedModel.objects.filter(project=project, version__gt=0, trained_at__isnull=False)
        .order_by("-trained_at", "-pk")
        .first()
    )


def mislabelled(project: Project, *, limit: int) -> dict[str, Any]:
    """The stored likely-mislabelled list, without the documents whose tags changed since (or
    that were deleted), each with its name and text."""
    state = AssistState.objects.filter(project=project).first()
    answer: dict[str, Any] = {
        "computed_at": state.mislabelled_computed_at if state else None,
        "model": (state.mislabelled_model or None) if state else None,
        "items": [],
    }
    if state is None:
        return answer
    if state.mislabelled_note:
        answer["note"] = state.mislabelled_note
    documents = Document.objects.filter(project=project).prefetch_related("tags__category")
    answer["items"] = still_current(
        state.mislabelled, documents, keep=_still_mislabelled, limit=limit
    )
    return answer


def _still_mislabelled(item: dict[str, Any], doc: Document) -> dict[str, Any] | None:
    """A stored entry with its document's name and text, unless its tags changed since."""
    if sorted(t.category.name for t in doc.tags.all()) != item["given"]:
        return None
    return {**item, "name": doc.name, "text": doc.text}
