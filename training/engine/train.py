"""`train()`: one training run from plain data to an artifact folder and a `TrainResult`;
also the command line `python -m training.engine.train --data file.jsonl --out dir/`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.engine.artifacts import save_artifact
from training.engine.classifier import Classifier
from training.engine.config import TrainConfig
from training.engine.data import TrainingData, read_jsonl
from training.engine.encoder import Encoder, default_base_model, load_encoder
from training.engine.errors import EngineError
from training.engine.evaluate import Evaluation, evaluate
from training.engine.finetune import PROBE_C, finetune
from training.engine.heads import fit_logistic_head, label_matrix
from training.engine.progress import Progress, ProgressTracker
from training.engine.runtime import resolve_device, seed_everything, set_threads
from training.engine.split import Split, split_documents
from training.engine.thresholds import labels_per_document, tune_thresholds

# Bands of the 0-100 progress scale per phase and mode: (encoding, training, evaluating).
BANDS = {
    "quick": ((3, 80), (80, 88), (88, 96)),
    "standard": ((3, 10), (10, 90), (90, 96)),
}


@dataclass
class TrainResult:
    artifact_dir: str
    split: dict[str, str]
    evaluation: Evaluation | None
    evaluation_error: str | None
    validation_predictions: list[dict[str, Any]]
    test_predictions: list[dict[str, Any]]
    history: list[dict[str, Any]]
    duration_s: float
    counts: dict[str, int]
    config: TrainConfig
    thresholds: dict[str, float] | None = None
    base_model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "artifact_dir": self.artifact_dir,
            "split": self.split,
            "validation_predictions": self.validation_predictions,
            "test_predictions": self.test_predictions,
        }

    def summary(self) -> dict[str, Any]:
        """Everything but the per-document lists: what metrics.json keeps."""
        return {
            "evaluation": self.evaluation.to_dict() if self.evaluation else None,
            "evaluation_error": self.evaluation_error,
            "history": self.history,
            "duration_s": self.duration_s,
            "counts": self.counts,
            "config": self.config.to_dict(),
            "thresholds": self.thresholds,
            "base_model": self.base_model,
        }


def train(
    data: TrainingData,
    config: TrainConfig,
    out_dir: str | Path,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Split, fit, evaluate on the test part and write the artifact to `out_dir` (which must
    not exist). The artifact is built in a hidden sibling folder and renamed into place at the
    end, so a cancel (`Cancelled`) or an error leaves no partial artifact."""
    started = time.monotonic()
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise EngineError("artifact_exists", f"{out_dir} already exists")
    data.validate()
    tracker = ProgressTracker(on_progress, should_stop)
    tracker.begin("preparing", 0, 3, message="Splitting documents, loading the base model")
    seed_everything(config.seed)
    set_threads(config.threads)
    split = split_documents(data.labels, seed=config.seed, manual=data.manual_split)
    base_model = config.base_model or default_base_model()
    encoder = load_encoder(
        base_model, max_length=config.max_length, device=resolve_device(config.device)
    )
    targets = label_matrix(data.labels, data.classes)
    texts = data.texts
    encoding, training, evaluating = BANDS[config.mode]

    train_texts = [texts[i] for i in split.train]
    tracker.begin("encoding", *encoding, total_steps=len(train_texts), message="Embedding")
    features = encoder.encode(
        train_texts, batch_size=config.batch_size, on_batch=lambda done: tracker.advance(done)
    )
    tracker.begin("training", *training, message="Fitting the linear head")
    # `standard` keeps the C its recipe was measured with; `quick` the one for the project kind.
    c = PROBE_C if config.mode == "standard" else None
    head = fit_logistic_head(
        features,
        targets[split.train],
        multi_label=data.multi_label,
        seed=config.seed,
        c=c,
        check=tracker.check,
    )
    classifier = Classifier(encoder, head, data.classes, data.multi_label)
    # The project's mean label count: it places the multi-label threshold, both for the
    # epoch choice of `standard` and for the model saved.
    label_rate = labels_per_document(targets[split.train + split.validation])
    history: list[dict[str, Any]] = []
    if config.mode == "standard":
        history = finetune(
            classifier,
            train_texts,
            targets[split.train],
            [texts[i] for i in split.validation],
            targets[split.validation],
            config,
            tracker,
            training,
            label_rate,
        )

    # Single-label `standard` swaps its fine-tuned head for a logistic one fitted on the
    # fine-tuned embeddings, as `quick` has on the frozen ones (docs/benchmarks.md, Accuracy).
    reprobe = config.mode == "standard" and not data.multi_label
    scored = len(split.train) if reprobe else 0
    tracker.begin(
        "evaluating",
        *evaluating,
        total_steps=scored + len(split.validation) + len(split.test),
        message="Scoring validation and test documents",
    )
    if reprobe:
        features = encoder.encode(train_texts, on_batch=lambda done: tracker.advance(done))
        classifier.head = _logistic_head(
            encoder, features, targets[split.train], config.seed, c, tracker
        )
    validation_features = encoder.encode(
        [texts[i] for i in split.validation], on_batch=lambda done: tracker.advance(scored + done)
    )
    validation_p = classifier.confidences(validation_features)
    if data.multi_label:
        classifier.thresholds = tune_thresholds(validation_p, targets[split.validation], label_rate)
    elif split.validation:
        # Once the validation predictions are recorded (from the head fitted on training
        # documents, so they stay out-of-sample for the Improve page), single-label has no
        # further use for those documents than as training data for the head: a ninth more
        # documents is worth up to a point of accuracy at 8 per class (docs/benchmarks.md,
        # Accuracy). Multi-label keeps its head, whose threshold was set on them.
        classifier.head = _logistic_head(
            encoder,
            np.vstack([features, validation_features]),
            targets[split.train + split.validation],
            config.seed,
            c,
            tracker,
        )
    test_p = classifier.probabilities(
        [texts[i] for i in split.test],
        on_batch=lambda done: tracker.advance(scored + len(split.validation) + done),
    )
    validation_predictions = _per_document(data, classifier, split.validation, validation_p)
    test_predictions = _per_document(data, classifier, split.test, test_p)
    evaluation, evaluation_error = _evaluate(data, split, test_predictions)

    result = TrainResult(
        artifact_dir=str(out_dir),
        split={data.ids[i]: part for i, part in sorted(split.assignments().items())},
        evaluation=evaluation,
        evaluation_error=evaluation_error,
        validation_predictions=validation_predictions,
        test_predictions=test_predictions,
        history=history,
        duration_s=0.0,
        counts=split.counts(),
        config=config,
        thresholds=(
            dict(zip(data.classes, map(float, classifier.thresholds), strict=True))
            if data.multi_label
            else None
        ),
        base_model=str(base_model),
    )
    tracker.begin("saving", 96, 100, message="Calibrating int8, writing the model")
    classifier.calibrate(train_texts)
    result.duration_s = round(time.monotonic() - started, 3)
    _save_atomically(classifier, out_dir, result, tracker)
    tracker.done(message="Training finished")
    return result


def _logistic_head(
    encoder: Encoder,
    features: np.ndarray,
    targets: np.ndarray,
    seed: int,
    c: float | None,
    tracker: ProgressTracker,
) -> torch.nn.Linear:
    """A single-label logistic head on the given embeddings, on the encoder's device."""
    head = fit_logistic_head(
        features, targets, multi_label=False, seed=seed, c=c, check=tracker.check
    )
    return head.to(encoder.device).eval()


def _per_document(
    data: TrainingData, classifier: Classifier, indices: list[int], probabilities: np.ndarray
) -> list[dict[str, Any]]:
    decisions = classifier.decide(probabilities) if len(indices) else []
    return [
        {
            "id": data.ids[i],
            "expected": data.labels[i],
            "predicted": chosen,
            "confidences": dict(zip(data.classes, map(float, row), strict=True)),
        }
        for i, row, chosen in zip(indices, probabilities, decisions, strict=True)
    ]


def _evaluate(
    data: TrainingData, split: Split, test_predictions: list[dict[str, Any]]
) -> tuple[Evaluation | None, str | None]:
    if split.reason:
        return None, split.reason
    if not test_predictions:
        return None, "No documents ended up in the test set, so there is no evaluation."
    evaluation = evaluate(
        [p["expected"] for p in test_predictions],
        [p["predicted"] for p in test_predictions],
        data.classes,
        data.multi_label,
    )
    return evaluation, None


def _save_atomically(
    classifier: Classifier, out_dir: Path, result: TrainResult, tracker: ProgressTracker
) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = out_dir.parent / f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        save_artifact(classifier, partial, config=result.config.to_dict(), metrics=result.summary())
        tracker.check()
        partial.rename(out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.engine.train",
        description="Train a text classifier from a JSONL file, without Django.",
    )
    parser.add_argument("--data", required=True, help="JSONL: text, labels or label, id, split")
    parser.add_argument("--out", required=True, help="artifact folder to create")
    parser.add_argument("--mode", choices=("quick", "standard"), default="quick")
    parser.add_argument("--multi-label", action="store_true", default=None)
    parser.add_argument("--base-model", default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    args = parser.parse_args(argv)
    config = TrainConfig(
        mode=args.mode,
        base_model=args.base_model,
        seed=args.seed,
        epochs=args.epochs,
        device=args.device,
    )

    def report(event: Progress) -> None:
        print(f"{event.percent:6.2f}% {event.phase:<10} {event.message}", file=sys.stderr)

    try:
        result = train(
            read_jsonl(args.data, multi_label=args.multi_label),
            config,
            args.out,
            on_progress=report,
        )
    except EngineError as error:
        print(f"error ({error.code}): {error.message}", file=sys.stderr)
        return 2
    print(json.dumps(result.summary(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
