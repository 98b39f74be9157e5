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

from training.engine import embedding_cache, exported
from training.engine.artifacts import save_artifact
from training.engine.classifier import Classifier
from training.engine.config import TrainConfig
from training.engine.data import TrainingData, read_jsonl
from training.engine.encoder import Encoder, default_base_model, load_encoder
from training.engine.errors import EngineError
from training.engine.evaluate import Evaluation, evaluate
from training.engine.finetune import finetune
from training.engine.heads import choose_c, fit_logistic_head, label_matrix
from training.engine.progress import Progress, ProgressTracker
from training.engine.recipes import Recipe, recipe_for
from training.engine.runtime import resolve_device, seed_everything, set_threads
from training.engine.split import Split, split_documents
from training.engine.thresholds import labels_per_document, tune_thresholds


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
    head_c: float | None = None

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
            "head_c": self.head_c,
        }


def train(
    data: TrainingData,
    config: TrainConfig,
    out_dir: str | Path,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    cache_dir: str | Path | None = None,
    embeddings_dir: str | Path | None = None,
) -> TrainResult:
    """Split, fit, evaluate on the test part and write the artifact to `out_dir` (which must
    not exist). `cache_dir`, a writable folder, keeps the base model's ONNX graph that `quick`
    encodes with on a CPU (`exported.use_base_graph`); without it `quick` encodes with PyTorch.
    `embeddings_dir`, a writable folder (one per project), keeps the base model's embeddings of
    the texts seen (`embedding_cache`), so a run embeds only new texts with the frozen encoder.
    The artifact is built in a hidden sibling folder and renamed into place at the
    end, so a cancel (`Cancelled`) or an error leaves no partial artifact."""
    started = time.monotonic()
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise EngineError("artifact_exists", f"{out_dir} already exists")
    data.validate()
    recipe = recipe_for(config.mode, data.multi_label)
    run = _prepare(data, config, recipe, ProgressTracker(on_progress, should_stop), cache_dir)
    run.embeddings_dir = embeddings_dir
    features = _embed_training_documents(run)
    classifier = _fit_probe(run, features)
    history = _fine_tune(run, classifier) if recipe.fine_tunes else []

    _begin_scoring(run)
    if recipe.reprobes:
        features = _reprobe(run, classifier)
    validation_features, validation_p = _score_validation(run, classifier)
    if recipe.tunes_thresholds:
        classifier.thresholds = _tune_thresholds(run, validation_p)
    elif recipe.validation_joins_head and run.split.validation:
        classifier.head = _fit_final_head(run, features, validation_features)
    test_p = _score_test(run, classifier)

    result = _result(run, out_dir, classifier, validation_p, test_p, history)
    run.tracker.begin("saving", 96, 100, message="Writing the model")
    result.duration_s = round(time.monotonic() - started, 3)
    _save_atomically(classifier, out_dir, result, run.tracker)
    run.tracker.done(message="Training finished")
    return result


@dataclass
class _Run:
    """What the phases of one run share."""

    data: TrainingData
    config: TrainConfig
    recipe: Recipe
    tracker: ProgressTracker
    split: Split
    encoder: Encoder
    base_model: str
    targets: np.ndarray
    # The project's mean label count: it places the multi-label threshold, both for the
    # epoch choice of `standard` and for the model saved.
    label_rate: float
    # The C of every logistic head of the run: the recipe's, or chosen by the first fit.
    head_c: float | None = None
    # The cache of the base model's embeddings (`embedding_cache`), if any.
    embeddings_dir: str | Path | None = None

    def texts(self, indices: list[int]) -> list[str]:
        return [self.data.texts[i] for i in indices]

    @property
    def rescored(self) -> int:
        """Training documents embedded again while scoring (a re-probe), for the progress."""
        return len(self.split.train) if self.recipe.reprobes else 0


def _prepare(
    data: TrainingData,
    config: TrainConfig,
    recipe: Recipe,
    tracker: ProgressTracker,
    cache_dir: str | Path | None,
) -> _Run:
    """Seed the run, split the documents and load the base model."""
    tracker.begin("preparing", 0, 1, message="Splitting the documents")
    seed_everything(config.seed)
    set_threads(config.threads)
    split = split_documents(data.labels, seed=config.seed, manual=data.manual_split)
    base_model = config.base_model or default_base_model()
    # Its own phase: reading the encoder from a cold disk can take half a minute.
    tracker.begin("loading", 1, 3, message="Loading the base model")
    encoder = load_encoder(
        base_model, max_length=config.max_length, device=resolve_device(config.device)
    )
    if not recipe.fine_tunes:
        # Frozen weights throughout: the ONNX Runtime graph gives the same embeddings faster.
        # Fine-tuning trains the weights, so `standard` stays on PyTorch.
        exported.use_base_graph(encoder, base_model, cache_dir)
    targets = label_matrix(data.labels, data.classes)
    return _Run(
        data=data,
        config=config,
        recipe=recipe,
        tracker=tracker,
        split=split,
        encoder=encoder,
        base_model=str(base_model),
        targets=targets,
        label_rate=labels_per_document(targets[split.train + split.validation]),
    )


def _embed_training_documents(run: _Run) -> np.ndarray:
    """The training documents' embeddings from the base model, which every recipe fits its
    first head on."""
    texts = run.texts(run.split.train)
    tracker = run.tracker
    tracker.begin(
        "encoding", *run.recipe.bands.encoding, total_steps=len(texts), message="Embedding"
    )
    return _encode(
        run, texts, batch_size=run.config.batch_size, on_batch=lambda done: tracker.advance(done)
    )


def _encode(
    run: _Run, texts: list[str], *, on_batch: Callable[[int], None], batch_size: int = 64
) -> np.ndarray:
    """`run.encoder.encode`, through the run's embedding cache when the recipe keeps the base
    model's weights frozen (`quick`). A fine-tuning recipe computes every embedding, so that
    its runs stay reproducible and a fine-tuned encoder's embeddings are never cached."""
    if run.recipe.fine_tunes:
        return run.encoder.encode(texts, batch_size=batch_size, on_batch=on_batch)
    return embedding_cache.encode(
        run.encoder,
        texts,
        base_model=run.base_model,
        folder=run.embeddings_dir,
        batch_size=batch_size,
        on_batch=on_batch,
    )


def _fit_probe(run: _Run, features: np.ndarray) -> Classifier:
    """The classifier with a logistic head on the training documents' embeddings: `quick`'s
    model and `standard`'s starting point. Sets the run's C, when the recipe has none, by
    cross-validation on those embeddings."""
    run.tracker.begin("training", *run.recipe.bands.training, message="Fitting the linear head")
    run.head_c = run.recipe.head_c
    if run.head_c is None:
        run.head_c = choose_c(
            features,
            run.targets[run.split.train],
            multi_label=run.recipe.multi_label,
            seed=run.config.seed,
            check=run.tracker.check,
        )
    head = _fit_head(run, features, run.split.train)
    return Classifier(run.encoder, head, run.data.classes, run.data.multi_label)


def _fit_head(run: _Run, features: np.ndarray, indices: list[int]) -> torch.nn.Linear:
    """A logistic head with the run's C on the given embeddings of documents `indices`, on
    the encoder's device."""
    head = fit_logistic_head(
        features,
        run.targets[indices],
        multi_label=run.recipe.multi_label,
        seed=run.config.seed,
        c=run.head_c,
        check=run.tracker.check,
    )
    return head.to(run.encoder.device).eval()


def _fine_tune(run: _Run, classifier: Classifier) -> list[dict[str, Any]]:
    return finetune(
        classifier,
        run.texts(run.split.train),
        run.targets[run.split.train],
        run.texts(run.split.validation),
        run.targets[run.split.validation],
        run.config,
        run.tracker,
        run.recipe.bands.training,
        run.label_rate,
    )


def _begin_scoring(run: _Run) -> None:
    run.tracker.begin(
        "evaluating",
        *run.recipe.bands.evaluating,
        total_steps=run.rescored + len(run.split.validation) + len(run.split.test),
        message="Scoring validation and test documents",
    )


def _reprobe(run: _Run, classifier: Classifier) -> np.ndarray:
    """Replace the classifier's head by a logistic one on the (fine-tuned) embeddings of the
    training documents; returns those embeddings."""
    features = run.encoder.encode(
        run.texts(run.split.train), on_batch=lambda done: run.tracker.advance(done)
    )
    classifier.head = _fit_head(run, features, run.split.train)
    return features


def _score_validation(run: _Run, classifier: Classifier) -> tuple[np.ndarray, np.ndarray]:
    """The validation documents' embeddings and their confidences under the current head."""
    features = _encode(
        run,
        run.texts(run.split.validation),
        on_batch=lambda done: run.tracker.advance(run.rescored + done),
    )
    return features, classifier.confidences(features)


def _tune_thresholds(run: _Run, validation_p: np.ndarray) -> np.ndarray:
    return tune_thresholds(validation_p, run.targets[run.split.validation], run.label_rate)


def _fit_final_head(
    run: _Run, train_features: np.ndarray, validation_features: np.ndarray
) -> torch.nn.Linear:
    """The head saved: refitted on training plus validation documents, after the validation
    predictions were recorded from the head fitted on training documents only."""
    return _fit_head(
        run,
        np.vstack([train_features, validation_features]),
        run.split.train + run.split.validation,
    )


def _score_test(run: _Run, classifier: Classifier) -> np.ndarray:
    offset = run.rescored + len(run.split.validation)
    texts = run.texts(run.split.test)
    if run.recipe.fine_tunes:
        return classifier.probabilities(
            texts, on_batch=lambda done: run.tracker.advance(offset + done)
        )
    features = _encode(run, texts, on_batch=lambda done: run.tracker.advance(offset + done))
    return classifier.confidences(features)


def _result(
    run: _Run,
    out_dir: Path,
    classifier: Classifier,
    validation_p: np.ndarray,
    test_p: np.ndarray,
    history: list[dict[str, Any]],
) -> TrainResult:
    """The run's `TrainResult`, all but its duration."""
    data, split = run.data, run.split
    validation_predictions = _per_document(data, classifier, split.validation, validation_p)
    test_predictions = _per_document(data, classifier, split.test, test_p)
    evaluation, evaluation_error = _evaluate(data, split, test_predictions)
    return TrainResult(
        artifact_dir=str(out_dir),
        split={data.ids[i]: part for i, part in sorted(split.assignments().items())},
        evaluation=evaluation,
        evaluation_error=evaluation_error,
        validation_predictions=validation_predictions,
        test_predictions=test_predictions,
        history=history,
        duration_s=0.0,
        counts=split.counts(),
        config=run.config,
        thresholds=(
            dict(zip(data.classes, map(float, classifier.thresholds), strict=True))
            if run.recipe.tunes_thresholds
            else None
        ),
        base_model=run.base_model,
        head_c=run.head_c,
    )


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
