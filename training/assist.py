"""Assisted tagging, the worker's side: compute and store a project's tag-next queue and its
likely-mislabelled list (`AssistState`) after every training, after an import and on request.
The APIs read what is stored (`training.selectors`); nothing here runs in a request.

Like `training.worker`, this imports the engine lazily: the web process never computes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from projects.models import AssistState, Class, Document, Project, QueueStrategy
from projects.services import embeddings_cache_dir
from training.models import TrainedModel, TrainingMode
from training.selectors import latest_model

log = logging.getLogger(__name__)

# Stored entries of the mislabelled list, most likely wrong first.
MISLABELLED_SIZE = 1000


@dataclass
class _Documents:
    """The project's documents read once: tagged ones with their class names, untagged ones."""

    tagged_ids: list[int]
    tagged_texts: list[str]
    labels: list[list[str]]
    untagged_ids: list[int]
    untagged_texts: list[str]
    classes: list[str]


def compute_after_training(project_id: int) -> str:
    """The queue and the mislabelled list from the project's latest model; the queue falls
    back to cold start when the model cannot order (fewer than two classes tagged)."""
    return _compute(project_id, mislabelled=True, after_import=False)


def refresh_tag_queue(project_id: int, *, after_import: bool = False) -> str:
    """The queue alone: from the latest model when there is one, else a cold-start batch.
    After an import, a queue ordered by a model is kept (the next training orders the new
    documents too); a cold-start one is computed again so it covers them."""
    return _compute(project_id, mislabelled=False, after_import=after_import)


def _compute(project_id: int, *, mislabelled: bool, after_import: bool) -> str:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return "missing"
    state, _ = AssistState.objects.get_or_create(project=project)
    if after_import and state.queue_strategy == QueueStrategy.ACTIVE:
        return "kept"
    documents = _read(project)
    model = latest_model(project)
    if model is None or len(set(documents.classes)) < 2:
        _store_cold_start(state, documents)
        return QueueStrategy.COLD_START
    _store_from_model(state, model, documents, mislabelled=mislabelled)
    return QueueStrategy.ACTIVE


def _read(project: Project) -> _Documents:
    rows = (
        Document.objects.filter(project=project).order_by("pk").prefetch_related("tags__category")
    )
    docs = _Documents([], [], [], [], [], [])
    for doc in rows.iterator(chunk_size=2000):
        names = sorted({tag.category.name for tag in doc.tags.all()})
        if not names:
            docs.untagged_ids.append(doc.pk)
            docs.untagged_texts.append(doc.text)
        elif project.is_multi_label or len(names) == 1:
            docs.tagged_ids.append(doc.pk)
            docs.tagged_texts.append(doc.text)
            docs.labels.append(names)
    used = {name for names in docs.labels for name in names}
    docs.classes = [
        name
        for name in Class.objects.filter(project=project)
        .order_by("order", "name")
        .values_list("name", flat=True)
        if name in used
    ]
    return docs


def _store_cold_start(state: AssistState, documents: _Documents) -> None:
    from training.engine.assist import cold_start_order

    base = _base_model(None)
    embeddings = _encode_frozen(_base_encoder(base), base, documents.untagged_texts, state)
    order = cold_start_order(embeddings)
    state.queue_strategy = QueueStrategy.COLD_START
    state.queue_model = ""
    state.queue = _queue_items(order, documents.untagged_ids)
    state.queue_computed_at = timezone.now()
    state.save(update_fields=["queue_strategy", "queue_model", "queue", "queue_computed_at"])


def _store_from_model(
    state: AssistState, model: TrainedModel, documents: _Documents, *, mislabelled: bool
) -> None:
    from training.engine.assist import queue_order
    from training.engine.predict import get_classifier

    classifier = get_classifier(model.artifact_path)
    # A quick model's encoder is the frozen base one, so its embeddings serve every step (and
    # are cached); a fine-tuned encoder has seen the tags, so cross-validation uses the base
    # encoder instead, and its own embeddings are never cached.
    frozen = model.mode == TrainingMode.QUICK
    base = _base_model(model)
    if frozen:
        untagged = _encode_frozen(classifier.encoder, base, documents.untagged_texts, state)
    else:
        untagged = classifier.encoder.encode(documents.untagged_texts)
    probabilities = classifier.confidences(untagged)
    order = queue_order(
        untagged,
        probabilities,
        multi_label=classifier.multi_label,
        thresholds=classifier.thresholds,
    )
    now = timezone.now()
    state.queue_strategy = QueueStrategy.ACTIVE
    state.queue_model = model.name
    state.queue = _queue_items(order, documents.untagged_ids)
    state.queue_computed_at = now
    fields = ["queue_strategy", "queue_model", "queue", "queue_computed_at"]
    if mislabelled:
        encoder = classifier.encoder if frozen else _base_encoder(base)
        tagged = _encode_frozen(encoder, base, documents.tagged_texts, state)
        state.mislabelled, state.mislabelled_note = _mislabelled(
            tagged, documents, classifier.multi_label
        )
        state.mislabelled_model = model.name
        state.mislabelled_computed_at = now
        fields += [
            "mislabelled",
            "mislabelled_note",
            "mislabelled_model",
            "mislabelled_computed_at",
        ]
    state.save(update_fields=fields)


def _mislabelled(
    embeddings: Any, documents: _Documents, multi_label: bool
) -> tuple[list[dict[str, Any]], str]:
    from training.engine.assist import label_issue_ranking, out_of_sample_probabilities

    if len(documents.tagged_ids) < 4:
        return [], "Too few tagged documents to cross-validate."
    classes = documents.classes
    p = out_of_sample_probabilities(embeddings, documents.labels, classes, multi_label=multi_label)
    ranking = label_issue_ranking(documents.labels, p, classes, multi_label=multi_label)
    items = [
        {
            "document_id": documents.tagged_ids[i],
            "given": documents.labels[i],
            "suggested": _suggested(p[i], documents.labels[i], classes, multi_label),
            "score": round(score, 6),
        }
        for i, score in ranking[:MISLABELLED_SIZE]
    ]
    return items, ""


def _suggested(p: Any, given: list[str], classes: list[str], multi_label: bool) -> str:
    """Multi-label: the most probable class. Single-label: the most probable other than the
    tag given, the fix to offer."""
    order = [classes[j] for j in p.argsort()[::-1]]
    if multi_label:
        return order[0]
    return next((c for c in order if c not in given), order[0])


def _queue_items(order: list[tuple[int, float]], ids: list[int]) -> list[dict[str, Any]]:
    return [{"document_id": ids[i], "score": round(score, 6)} for i, score in order]


def _base_model(model: TrainedModel | None) -> str:
    """The folder of the base model a model was trained from (the default one when no model)."""
    from training.engine.encoder import default_base_model

    return (model.config.get("base_model") if model else None) or default_base_model()


def _base_encoder(base: str) -> Any:
    """The frozen encoder of the base model folder `base`, on ONNX Runtime on a CPU (the base
    model's graph cached under STUDIO_CACHE_DIR)."""
    from training.engine import exported
    from training.engine.config import TrainConfig
    from training.engine.encoder import load_encoder
    from training.engine.runtime import resolve_device

    device = resolve_device(getattr(settings, "STUDIO_TRAINING_DEVICE", "auto"))
    encoder = load_encoder(base, max_length=TrainConfig().max_length, device=device)
    exported.use_base_graph(encoder, base, settings.STUDIO_CACHE_DIR)
    return encoder


def _encode_frozen(encoder: Any, base: str, texts: list[str], state: AssistState) -> Any:
    """Embeddings from an `encoder` holding the frozen weights of `base`, through the project's
    embedding cache: only texts embedded by no earlier training or assist run are computed."""
    from training.engine import embedding_cache

    folder = embeddings_cache_dir(state.project_id)
    return embedding_cache.encode(encoder, texts, base_model=base, folder=folder)
