"""Training's reads: what training would see, jobs, models and their evaluation results.

Nothing here writes, so a GET that calls these never changes the database; pages and both APIs
read through this one module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db.models import Count

from projects.models import AssistState, Class, Document, Project, Split
from projects.readiness import AUTOMATIC_SPLIT_TEXT, FEW_TAGS, few_tags_message
from studio.errors import NotFound
from studio.jobs import is_job_id
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


def get_job(project: Project, job_id: str) -> TrainingJob:
    """The project's job by id; a malformed id is as missing as an unknown one."""
    job = _find_job(project, job_id)
    if job is None:
        raise NotFound(f"The training job {job_id!r} does not exist.", code="NotFound")
    return job


def _find_job(project: Project, job_id: str) -> TrainingJob | None:
    if not is_job_id(job_id):
        return None
    # (project, job_id) is unique: no ORDER BY, which `first()` would add, is needed.
    return next(iter(TrainingJob.objects.filter(project=project, job_id=job_id)[:1]), None)


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
    for start in range(0, len(state.mislabelled), 500):
        chunk = state.mislabelled[start : start + 500]
        documents = Document.objects.filter(
            project=project, pk__in=[item["document_id"] for item in chunk]
        ).prefetch_related("tags__category")
        now = {doc.pk: doc for doc in documents}
        for item in chunk:
            doc = now.get(item["document_id"])
            if doc is None or sorted(t.category.name for t in doc.tags.all()) != item["given"]:
                continue
            answer["items"].append({**item, "name": doc.name, "text": doc.text})
        if len(answer["items"]) >= limit:
            break
    answer["items"] = answer["items"][:limit]
    return answer
