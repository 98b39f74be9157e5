"""Predictions from a deployment: per-document validation, the engine's cached classifier and
the project's confidence threshold. Azure's analyze-text jobs build on them in
`training.api.azure.runtime`."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

from training.models import Deployment

# Azure's documented limit, which the studio's own route keeps too.
MAX_CHARS_PER_DOCUMENT = 125_000
STUDIO_MAX_DOCUMENTS = 1_000
TOP_ALTERNATIVES = 5


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


def ranked_classes(prediction: Any) -> tuple[list[tuple[str, float]], list[str]]:
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
        ranked, chosen = ranked_classes(prediction)
        scores = dict(ranked)
        if not multi:
            chosen = chosen[:1] or [ranked[0][0]]
        picked = [(c, scores[c]) for c in chosen if scores.get(c, 0.0) >= threshold]
        results[index].classes = sorted(picked, key=lambda cp: -cp[1])
        results[index].alternatives = ranked[:TOP_ALTERNATIVES]
    return results
