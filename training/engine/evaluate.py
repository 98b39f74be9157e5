"""Evaluation metrics, defined as in AZURE_API.md "Evaluation definitions".

Per class: precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R) (0 when undefined).
Micro averages pool TP/FP/FN over classes; macro averages are means of per-class values.
Single-label: a document is TP for its predicted class when it equals the tag, otherwise FP
for the predicted class and FN for the tagged one; the confusion matrix is tagged x predicted.
Multi-label: each (document, class) pair is a binary decision. Classes neither tagged nor
predicted in the evaluated documents are left out. Each figure carries its 95% bootstrap
interval over the documents (`bootstrap.py`), computed here once so pages only read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from training.engine import bootstrap


@dataclass
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int
    support: int


@dataclass
class Evaluation:
    multi_label: bool
    documents: int
    classes: list[str]
    per_class: dict[str, ClassMetrics]
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    # Single-label: share of documents whose predicted class is the tag; multi-label: share
    # whose predicted set equals the tagged set exactly.
    accuracy: float
    confusion_matrix: dict[str, dict[str, int]] | None
    # `bootstrap.intervals(...)`: [lo, hi] per overall figure and per class P/R/F1. None for
    # evaluations stored before intervals existed, and for an empty test set.
    intervals: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        per_class = {name: ClassMetrics(**m) for name, m in data["per_class"].items()}
        return cls(**{**data, "per_class": per_class})


def evaluate(
    expected: list[list[str]],
    predicted: list[list[str]],
    classes: list[str],
    multi_label: bool,
    *,
    resamples: int = bootstrap.RESAMPLES,
    seed: int = bootstrap.SEED,
) -> Evaluation:
    """Score predictions against tags; `classes` fixes the order of the classes reported. The
    intervals come from `resamples` bootstrap resamples drawn with `seed` (0 resamples: none)."""
    if len(expected) != len(predicted):
        raise ValueError("expected and predicted must have one entry per document")
    present = {c for tags in expected for c in tags} | {c for tags in predicted for c in tags}
    included = [c for c in classes if c in present]
    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in included}
    for tags, guesses in zip(expected, predicted, strict=True):
        tagged, chosen = set(tags), set(guesses)
        for c in tagged & chosen:
            counts[c]["tp"] += 1
        for c in chosen - tagged:
            counts[c]["fp"] += 1
        for c in tagged - chosen:
            counts[c]["fn"] += 1
    n = len(expected)
    per_class = {}
    for c in included:
        tp, fp, fn = counts[c]["tp"], counts[c]["fp"], counts[c]["fn"]
        p, r, f = _prf(tp, fp, fn)
        per_class[c] = ClassMetrics(p, r, f, tp, fp, fn, n - tp - fp - fn, tp + fn)
    micro = _prf(*(sum(counts[c][k] for c in included) for k in ("tp", "fp", "fn")))
    macro = [
        _mean([getattr(m, k) for m in per_class.values()]) for k in ("precision", "recall", "f1")
    ]
    exact = sum(set(t) == set(g) for t, g in zip(expected, predicted, strict=True))
    return Evaluation(
        multi_label=multi_label,
        documents=n,
        classes=included,
        per_class=per_class,
        micro_precision=micro[0],
        micro_recall=micro[1],
        micro_f1=micro[2],
        macro_precision=macro[0],
        macro_recall=macro[1],
        macro_f1=macro[2],
        accuracy=exact / n if n else 0.0,
        confusion_matrix=None if multi_label else _confusion(expected, predicted, included),
        intervals=(
            bootstrap.intervals(expected, predicted, included, resamples=resamples, seed=seed)
            if n and resamples
            else None
        ),
    )


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _confusion(
    expected: list[list[str]], predicted: list[list[str]], included: list[str]
) -> dict[str, dict[str, int]]:
    matrix = {tag: dict.fromkeys(included, 0) for tag in included}
    for tags, guesses in zip(expected, predicted, strict=True):
        for tag in tags:
            for guess in guesses:
                matrix[tag][guess] += 1
    return matrix
