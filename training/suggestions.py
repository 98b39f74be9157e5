"""Suggestions for the Tag page: the project's latest model's prediction for a few documents,
through the engine's cached classifier and inference thread as deployments predict. A
suggestion is never stored: tagging stays the user's act."""

from __future__ import annotations

from typing import Any

from projects.models import Document, Project
from studio.errors import ValidationError
from training.prediction import ranked_classes
from training.selectors import latest_model

MAX_DOCUMENTS = 50
# Single-label: how many classes a suggestion shows.
TOP_CLASSES = 3


def parse_document_ids(raw: str | None) -> list[int]:
    """`1,2,3` as ids, in order, without repeats: 1 to MAX_DOCUMENTS of them."""
    try:
        ids = list(dict.fromkeys(int(part) for part in (raw or "").split(",") if part.strip()))
    except ValueError:
        raise ValidationError(
            "document_ids is a comma-separated list of document ids.", target="document_ids"
        ) from None
    if any(not 0 < pk < 2**63 for pk in ids):
        raise ValidationError("A document id is a positive whole number.", target="document_ids")
    if not 1 <= len(ids) <= MAX_DOCUMENTS:
        raise ValidationError(
            f"Ask for 1 to {MAX_DOCUMENTS} documents at a time; {len(ids)} were given.",
            target="document_ids",
        )
    return ids


def suggest(project: Project, document_ids: list[int]) -> dict[str, Any]:
    """Each document's suggested classes. Single-label: the top classes, the best suggested.
    Multi-label: the classes at or above their thresholds, suggested, plus the next best."""
    texts = dict(
        Document.objects.filter(project=project, pk__in=document_ids).values_list("pk", "text")
    )
    unknown = [pk for pk in document_ids if pk not in texts]
    if unknown:
        raise ValidationError(
            f"No document with the id(s) {', '.join(map(str, unknown))} in {project.name!r}.",
            target="document_ids",
        )
    model = latest_model(project)
    answer: dict[str, Any] = {
        "model": model.name if model else None,
        "version": model.version if model else None,
        "multi_label": project.is_multi_label,
        "items": [],
    }
    if model is None:
        answer["items"] = [
            {"document_id": pk, "classes": [], "suggested": []} for pk in document_ids
        ]
        return answer
    # Imported here, not at the top: the engine pulls in torch, which stays out of the web process.
    from training.engine import inference_thread
    from training.engine.predict import get_classifier

    classifier = get_classifier(model.artifact_path)
    predictions = inference_thread.run_batched(
        classifier.predict, [texts[pk] for pk in document_ids]
    )
    for pk, prediction in zip(document_ids, predictions, strict=True):
        ranked, classes = ranked_classes(prediction)
        if classifier.multi_label:
            chosen = set(classes)
            shown = [cp for cp in ranked if cp[0] in chosen]
            shown += [cp for cp in ranked if cp[0] not in chosen][:1]
            suggested = [c for c, _ in ranked if c in chosen]
        else:
            shown = ranked[:TOP_CLASSES]
            suggested = [ranked[0][0]]
        answer["items"].append(
            {
                "document_id": pk,
                "classes": [{"class": c, "confidence": round(p, 6)} for c, p in shown],
                "suggested": suggested,
            }
        )
    return answer
