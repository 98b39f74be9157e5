"""What the performance, compare and Improve pages show, computed from a model's stored
evaluation (the engine's `Evaluation.to_dict()`, intervals included) and per-document results:
pure functions over plain data, so the pages never rescore anything and the numbers are the
engine's own. The one computation is Compare's paired bootstrap, which needs both models. The
reads at the end (`review`, `latest_history`, `paired`) are the only ones touching the database
or the results files."""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from projects.formats.csvfile import escape_cell
from projects.models import Document, Project
from projects.readiness import FEW_TAGS
from training import selectors
from training.engine import bootstrap
from training.models import JobStatus, TrainedModel, TrainingJob

OVERALL_KEYS = (
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "accuracy",
)
LABELS = {
    "micro_precision": "Micro precision",
    "micro_recall": "Micro recall",
    "micro_f1": "Micro F1",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "macro_f1": "Macro F1",
    "accuracy": "Accuracy",
}
CLASS_KEYS = ("precision", "recall", "f1", "tp", "fp", "fn", "tn", "support")
# The headline tiles, in the order the page shows them.
TILE_KEYS = (
    "micro_f1",
    "micro_precision",
    "micro_recall",
    "macro_f1",
    "macro_precision",
    "macro_recall",
    "accuracy",
)
# Fewer test documents than these and the figures are mostly noise: the pages say so.
FEW_TEST_DOCUMENTS = 50
FEW_CLASS_TEST_DOCUMENTS = 10
# A mistake the model makes with at least this confidence is more likely a tagging error.
CONFIDENT_MISTAKE = 0.8


def overall(evaluation: dict[str, Any]) -> dict[str, float]:
    """The micro and macro figures exactly as stored, for tiles and exports."""
    return {key: float(evaluation.get(key) or 0.0) for key in OVERALL_KEYS}


def overall_intervals(evaluation: dict[str, Any]) -> dict[str, list[float] | None]:
    """`<figure>_ci: [lo, hi]` for each overall figure; None throughout for an evaluation
    stored before intervals were computed."""
    stored = (evaluation.get("intervals") or {}).get("overall") or {}
    return {f"{key}_ci": stored.get(key) for key in OVERALL_KEYS}


def interval_text(ci: list[float] | None) -> str:
    """An interval as the pages write it after a figure: "0.870" en dash "0.950" ("" if none);
    " to " instead of the dash when a bound is negative, so minus signs stay readable."""
    if not ci:
        return ""
    lo, hi = (f"{v:.3f}".replace("-", "\u2212") for v in ci)
    return f"{lo} to {hi}" if ci[0] < 0 or ci[1] < 0 else f"{lo}\u2013{hi}"


def tiles(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """The Model performance page's headline figures, each with its interval (if stored) and
    the interval's place on a 0..1 bar in percent."""
    figures, cis = overall(evaluation), overall_intervals(evaluation)
    few = int(evaluation.get("documents") or 0) < FEW_TEST_DOCUMENTS
    return [
        {"key": key, "label": LABELS[key], "value": figures[key]}
        | _ci_fields(cis[f"{key}_ci"], figures[key], few=few)
        for key in TILE_KEYS
    ]


def shown_interval(ci: list[float] | None, *, few: bool) -> str:
    """The interval as a page shows it. When every resample of a small test set scored the same
    (a perfect score on a handful of documents), the bootstrap has seen no spread, which is not
    evidence of none: the page says it can't tell rather than a zero-width range."""
    if ci and few and ci[0] == ci[1]:
        return "can't tell"
    return interval_text(ci)


def _ci_fields(ci: list[float] | None, value: float, *, few: bool) -> dict[str, Any]:
    if not ci:
        return {"ci": None}
    text = shown_interval(ci, few=few)
    if text == "can't tell":
        return {"ci": ci, "ci_text": "95% CI: can't tell", "bar": None}
    return {
        "ci": ci,
        "ci_text": f"95% CI {text}",
        "bar": {"lo": round(ci[0] * 100, 2), "width": round((ci[1] - ci[0]) * 100, 2),
                "point": round(value * 100, 2)},
    }  # fmt: skip


def small_test_set(evaluation: dict[str, Any]) -> str:
    """A warning in plain words when the test set is too small to trust, else ""."""
    n = int(evaluation.get("documents") or 0)
    if n >= FEW_TEST_DOCUMENTS:
        return ""
    return (
        f"Measured on only {n} test document{'' if n == 1 else 's'}: too few to trust these "
        f"figures. Each document right or wrong moves accuracy by {1 / max(n, 1):.3f}, so "
        "another test set of the same size could score very differently (see the ranges). "
        f"Tag more documents, for at least {FEW_TEST_DOCUMENTS} in the test set, and train again."
    )


def class_rows(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per class in the engine's order, with its P/R/F1 intervals (None if not stored)
    and whether it has too few test documents to trust; a class neither tagged nor predicted in
    the test set has nothing to say (Azure leaves it out), so it is dropped even if stored."""
    per_class = evaluation.get("per_class") or {}
    stored = (evaluation.get("intervals") or {}).get("per_class") or {}
    rows = []
    for name in evaluation.get("classes") or list(per_class):
        metrics = per_class.get(name)
        if not metrics or metrics["tp"] + metrics["fp"] + metrics["fn"] == 0:
            continue
        cis = stored.get(name) or {}
        rows.append(
            {
                "name": name,
                **{key: metrics[key] for key in CLASS_KEYS},
                **{f"{key}_ci": cis.get(key) for key in bootstrap.CLASS_KEYS},
                "few_test_documents": metrics["support"] < FEW_CLASS_TEST_DOCUMENTS,
            }
        )
    return rows


def worst_confusions(matrix: dict[str, dict[str, int]], top: int = 3) -> list[dict[str, Any]]:
    """The off-diagonal cells with the most documents: the pairs the model mixes up most."""
    cells = []
    for expected, row in matrix.items():
        total = sum(row.values())
        for predicted, count in row.items():
            if predicted != expected and count > 0:
                share = count / total if total else 0.0
                cells.append(
                    {"expected": expected, "predicted": predicted, "count": count, "share": share}
                )
    cells.sort(key=lambda c: (-c["count"], -c["share"], c["expected"], c["predicted"]))
    return cells[:top]


def heatmap(matrix: dict[str, dict[str, int]], classes: list[str]) -> dict[str, Any]:
    """The confusion matrix as rows of cells carrying both the count and the row share, with a
    0..1 intensity for each view, so the page can switch views without a round trip."""
    names = [c for c in classes if c in matrix] or list(matrix)
    peak = max((matrix[e].get(p, 0) for e in names for p in names), default=0) or 1
    worst = {(c["expected"], c["predicted"]) for c in worst_confusions(matrix)}
    rows = []
    for expected in names:
        counts = [matrix[expected].get(p, 0) for p in names]
        total = sum(counts)
        cells = []
        for predicted, count in zip(names, counts, strict=True):
            share = count / total if total else 0.0
            cells.append(
                {
                    "predicted": predicted,
                    "count": count,
                    "share": share,
                    "percent": round(share * 100, 1),
                    "count_level": round(count / peak, 3),
                    "share_level": round(share, 3),
                    "diagonal": predicted == expected,
                    "worst": (expected, predicted) in worst,
                }
            )
        rows.append({"expected": expected, "total": total, "cells": cells})
    return {"classes": names, "rows": rows}


def training_curve(history: list[dict[str, Any]]) -> dict[str, list[Any]] | None:
    """Loss and validation score per epoch. The engine's fine-tuning history has one entry per
    epoch; live progress points (several per epoch) keep each epoch's last loss. None when the
    model was trained in one pass (quick mode) and there is no curve to draw."""
    by_epoch: dict[int, dict[str, Any]] = {}
    for point in history or []:
        epoch = point.get("epoch")
        if epoch is None:
            continue
        entry = by_epoch.setdefault(int(epoch), {})
        for key in ("loss", "validation_score", "validation_loss", "kept"):
            if point.get(key) is not None:
                entry[key] = point[key]
    epochs = sorted(e for e, entry in by_epoch.items() if entry)
    if not epochs:
        return None
    return {
        "epochs": epochs,
        "loss": [by_epoch[e].get("loss") for e in epochs],
        "validation_score": [by_epoch[e].get("validation_score") for e in epochs],
        "validation_loss": [by_epoch[e].get("validation_loss") for e in epochs],
        "kept": next((e for e in epochs if by_epoch[e].get("kept")), None),
    }


def compare(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any]:
    """Side by side figures of two evaluations; each delta is b minus a, None where a model
    has no figure (no evaluation, or the class absent from its test set)."""
    a_overall = overall(a) if a else None
    b_overall = overall(b) if b else None
    figures = [
        {
            "key": key,
            "label": LABELS[key],
            "a": a_overall[key] if a_overall else None,
            "b": b_overall[key] if b_overall else None,
            "delta": b_overall[key] - a_overall[key] if a_overall and b_overall else None,
        }
        for key in OVERALL_KEYS
    ]
    a_rows = {row["name"]: row for row in class_rows(a)} if a else {}
    b_rows = {row["name"]: row for row in class_rows(b)} if b else {}
    names = list(a_rows) + [name for name in b_rows if name not in a_rows]
    classes = []
    for name in names:
        row: dict[str, Any] = {"name": name, "a": a_rows.get(name), "b": b_rows.get(name)}
        for key in ("precision", "recall", "f1"):
            both = name in a_rows and name in b_rows
            row[f"{key}_delta"] = b_rows[name][key] - a_rows[name][key] if both else None
        classes.append(row)
    return {"overall": figures, "classes": classes}


def evaluation_export(model: dict[str, Any], evaluation: dict[str, Any]) -> dict[str, Any]:
    """The JSON download: what the model is, then its stored evaluation untouched."""
    return {"model": model, "evaluation": evaluation}


def evaluation_csv(evaluation: dict[str, Any]) -> str:
    """One row per class plus the micro and macro rows, in spreadsheet-friendly columns; the
    single-label confusion matrix follows after a blank line, tagged class down, predicted
    across. Class names are guarded so a spreadsheet does not run them as formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["class", *CLASS_KEYS])
    for row in class_rows(evaluation):
        writer.writerow([escape_cell(row["name"]), *(row[key] for key in CLASS_KEYS)])
    figures = overall(evaluation)
    for scope in ("micro", "macro"):
        writer.writerow(
            [
                f"({scope} average)",
                figures[f"{scope}_precision"],
                figures[f"{scope}_recall"],
                figures[f"{scope}_f1"],
            ]
        )
    matrix = evaluation.get("confusion_matrix")
    if matrix:
        names = heatmap(matrix, evaluation.get("classes") or [])["classes"]
        writer.writerow([])
        writer.writerow(["tagged \\ predicted", *map(escape_cell, names)])
        for expected in names:
            counts = (matrix[expected].get(p, 0) for p in names)
            writer.writerow([escape_cell(expected), *counts])
    return out.getvalue()


# ---- Improve model: the validation set's predictions


def _confidence(prediction: dict[str, Any]) -> float:
    """How sure the model was of what it chose: its top chosen class's score (or its top score
    when a multi-label model chose nothing)."""
    scores = prediction.get("confidences") or {}
    chosen = [scores.get(c, 0.0) for c in prediction.get("predicted") or []]
    return float(max(chosen or scores.values() or [0.0]))


def review_items(
    predictions: list[dict[str, Any]],
    *,
    incorrect_only: bool = True,
    expected_class: str | None = None,
    predicted_class: str | None = None,
) -> list[dict[str, Any]]:
    """The validation predictions to review, mistakes first and the most confident first: a
    mistake the model is sure of is often a document tagged wrong."""
    items = []
    for p in predictions:
        expected, predicted = list(p.get("expected") or []), list(p.get("predicted") or [])
        correct = set(expected) == set(predicted)
        if incorrect_only and correct:
            continue
        if expected_class and expected_class not in expected:
            continue
        if predicted_class and predicted_class not in predicted:
            continue
        scores = p.get("confidences") or {}
        items.append(
            {
                "id": p["id"],
                "name": p.get("location", ""),
                "expected": expected,
                "predicted": [
                    {"class": c, "confidence": float(scores.get(c, 0.0))} for c in predicted
                ],
                "confidence": _confidence(p),
                "correct": correct,
            }
        )
    items.sort(key=lambda item: (item["correct"], -item["confidence"], str(item["id"])))
    return items


def confused_pairs(predictions: list[dict[str, Any]], top: int = 3) -> list[dict[str, Any]]:
    """Pairs (tagged class, class predicted instead) counted over documents, for either kind of
    project: each class missed paired with each class wrongly added."""
    counts: dict[tuple[str, str], int] = {}
    for p in predictions:
        expected, predicted = set(p.get("expected") or []), set(p.get("predicted") or [])
        for missed in expected - predicted:
            for added in predicted - expected:
                counts[(missed, added)] = counts.get((missed, added), 0) + 1
    pairs = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"expected": e, "predicted": p, "count": n} for (e, p), n in pairs[:top]]


def suggestions(
    *,
    evaluation: dict[str, Any] | None,
    evaluation_error: str,
    tagged_counts: dict[str, int],
    validation: list[dict[str, Any]],
    few_documents: int,
    mistakes: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Advice in plain words: thin classes, pairs the model mixes up, documents whose tag looks
    wrong, and weak classes. Built from aggregate test figures and validation details only."""
    advice: list[dict[str, Any]] = []
    if evaluation is None:
        advice.append(
            {
                "kind": "no_evaluation",
                "message": "This model has no evaluation: "
                f"{evaluation_error or 'it was trained without test documents.'} "
                "Tag more documents (at least 10) and train again.",
            }
        )
    if mistakes is None:
        mistakes = review_items(validation)
    for item in mistakes[:5]:
        if item["confidence"] < CONFIDENT_MISTAKE:
            break
        chosen = ", ".join(repr(p["class"]) for p in item["predicted"]) or "no class"
        tagged = ", ".join(repr(c) for c in item["expected"]) or "nothing"
        advice.append(
            {
                "kind": "likely_mislabelled",
                "document": item["id"],
                "message": f"{item['name'] or 'A document'} is tagged {tagged} but the model is "
                f"{item['confidence']:.0%} sure it is {chosen}: check its tag.",
            }
        )
    matrix = (evaluation or {}).get("confusion_matrix")
    pairs = worst_confusions(matrix) if matrix else confused_pairs(validation)
    for i, pair in enumerate(pairs):
        n = pair["count"]
        advice.append(
            {
                "kind": "confused_pair",
                "expected": pair["expected"],
                "predicted": pair["predicted"],
                "message": f"The model took {n} document{'' if n == 1 else 's'} tagged "
                f"{pair['expected']!r} for {pair['predicted']!r}."
                + (
                    " Check that such classes are told apart the same way in every tag, add "
                    "examples that show the difference, or merge them if they mean the same."
                    if i == 0
                    else ""
                ),
            }
        )
    for name, n in sorted(tagged_counts.items(), key=lambda kv: (kv[1], kv[0])):
        if n < few_documents:
            advice.append(
                {
                    "kind": "few_documents",
                    "class": name,
                    "message": f"The class {name!r} has only {n} tagged document"
                    f"{'' if n == 1 else 's'}; aim for {few_documents} or more varied examples.",
                }
            )
    for row in class_rows(evaluation or {}):
        if row["support"] and row["recall"] < 0.5:
            advice.append(
                {
                    "kind": "weak_class",
                    "class": row["name"],
                    "message": f"The model finds only {row['recall']:.0%} of the test documents "
                    f"tagged {row['name']!r}; add more, and more varied, examples of it.",
                }
            )
    return advice


# ---- Reads shared by the pages and the API


def latest_history(model: TrainedModel) -> list[dict[str, Any]]:
    """The history of the job that produced the model's current version (the latest success)."""
    job = (
        TrainingJob.objects.filter(
            project_id=model.project_id, model_name=model.name, status=JobStatus.SUCCEEDED
        )
        .order_by("-ended_at", "-created_at")
        .only("history")
        .first()
    )
    return job.history if job else []


def validation_results(model: TrainedModel) -> list[dict[str, Any]]:
    """The validation part of the model's results file. A version's folder never changes once
    written, so the parsed list is kept per (path, mtime): a page reload does not parse a
    10,000-document file again, and the test part is not kept at all."""
    path = Path(model.artifact_path) / selectors.RESULTS_FILE
    if not model.artifact_path or not path.is_file():
        return []
    return _read_validation(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read_validation(path: str, mtime_ns: int) -> list[dict[str, Any]]:
    return json.loads(Path(path).read_text(encoding="utf-8")).get("validation", [])


def review(
    project: Project,
    model: TrainedModel,
    *,
    incorrect_only: bool = True,
    expected_class: str | None = None,
    predicted_class: str | None = None,
    limit: int = 200,
) -> dict[str, Any]:
    """The Improve page's data: validation predictions only (the test set's documents are never
    shown, so nobody tunes to it), each with the document's text and its tags as they are now."""
    validation = validation_results(model)
    mistakes = review_items(validation)
    items = (
        mistakes
        if incorrect_only and not expected_class and not predicted_class
        else review_items(
            validation,
            incorrect_only=incorrect_only,
            expected_class=expected_class or None,
            predicted_class=predicted_class or None,
        )
    )
    shown = items[:limit]
    ids = [int(item["id"]) for item in shown if str(item["id"]).isdigit()]
    documents = {
        str(doc.pk): doc
        for doc in Document.objects.filter(project=project, pk__in=ids).prefetch_related(
            "tags__category"
        )
    }
    for item in shown:
        doc = documents.get(str(item["id"]))
        item["exists"] = doc is not None
        item["name"] = doc.name if doc else item["name"]
        item["text"] = doc.text if doc else ""
        item["tags"] = sorted(tag.category.name for tag in doc.tags.all()) if doc else []
    return {
        "model": model.name,
        "version": model.version,
        "part": "validation",
        "validation_documents": len(validation),
        "incorrect": len(mistakes),
        "matching": len(items),
        "items": shown,
        "suggestions": suggestions(
            evaluation=model.evaluation,
            evaluation_error=model.evaluation_error,
            tagged_counts=selectors.tagged_class_counts(project),
            validation=validation,
            few_documents=FEW_TAGS,
            mistakes=mistakes,
        ),
    }


# ---- Compare: is the difference larger than the noise?


def verdict_text(key: str, figure: dict[str, Any]) -> str:
    """One sentence on B minus A for a figure of `bootstrap.paired_difference`."""
    return _verdict(LABELS[key][0].lower() + LABELS[key][1:], figure)


def class_verdict_text(name: str, figure: dict[str, Any]) -> str:
    """One sentence on B minus A for a class of `bootstrap.paired_class_difference`."""
    return _verdict(f"F1 on {name}", figure)


def _verdict(label: str, figure: dict[str, Any]) -> str:
    delta, (lo, hi) = figure["delta"], figure["ci"]
    if delta > 0:
        change = f"is higher by {delta:.3f} (95% CI {interval_text([lo, hi])})"
    elif delta < 0:
        change = f"is lower by {-delta:.3f} (95% CI {interval_text([-hi, -lo])})"
    else:
        change = f"equals model A's (95% CI of the difference {interval_text([lo, hi])})"
    noise = "larger than the noise" if figure["larger_than_noise"] else "within the noise"
    return f"Model B's {label} {change}: {noise}."


def paired_comparison(
    a_name: str,
    a_evaluation: dict[str, Any],
    a_test: list[dict[str, Any]],
    b_name: str,
    b_evaluation: dict[str, Any],
    b_test: list[dict[str, Any]],
) -> dict[str, Any]:
    """Whether B's figures differ from A's by more than the noise, by a paired bootstrap over
    the test documents both were scored on. `paired` is False, with `reason` in plain words,
    when the per-document results are missing or do not match, or the test sets differ: then
    there is no verdict at all, as an unpaired one would mostly measure the test sets."""
    for name, evaluation, test in ((a_name, a_evaluation, a_test), (b_name, b_evaluation, b_test)):
        if not test:
            return unpaired(
                f"The per-document test results of {name!r} are missing, so the two models "
                "cannot be compared document by document."
            )
        if len(test) != evaluation.get("documents"):
            return unpaired(
                f"The per-document test results of {name!r} do not match its stored evaluation "
                f"({len(test)} documents, not {evaluation.get('documents')})."
            )
    a_by_id = {str(p["id"]): p for p in a_test}
    b_by_id = {str(p["id"]): p for p in b_test}
    if a_by_id.keys() != b_by_id.keys():
        shared = len(a_by_id.keys() & b_by_id.keys())
        return unpaired(
            f"The two models were tested on different documents (A on {len(a_by_id)}, B on "
            f"{len(b_by_id)}, {shared} in common), so this comparison isn't paired and cannot "
            "say whether the difference is larger than the noise. Models trained on the same "
            "data with the same split and seed share their test set."
        )
    ids = list(a_by_id)
    expected = [sorted(a_by_id[i].get("expected") or []) for i in ids]
    retagged = sum(
        e != sorted(b_by_id[i].get("expected") or []) for e, i in zip(expected, ids, strict=True)
    )
    if retagged:
        return unpaired(
            f"{retagged} of the {len(ids)} shared test documents had different tags when each "
            "model was trained, so the models sat different exams and this comparison isn't "
            "paired."
        )
    predicted_a = [a_by_id[i].get("predicted") or [] for i in ids]
    predicted_b = [b_by_id[i].get("predicted") or [] for i in ids]
    classes = list(a_evaluation.get("classes") or [])
    classes += [c for c in b_evaluation.get("classes") or [] if c not in classes]
    seen = {c for rows in (expected, predicted_a, predicted_b) for tags in rows for c in tags}
    classes += sorted(seen - set(classes))
    figures = bootstrap.paired_difference(expected, predicted_a, predicted_b, classes)
    per_class = bootstrap.paired_class_difference(expected, predicted_a, predicted_b, classes)
    return {
        "paired": True,
        "reason": "",
        "documents": len(ids),
        "resamples": bootstrap.RESAMPLES,
        "figures": {
            key: figure
            | {"text": verdict_text(key, figure), "ci_text": interval_text(figure["ci"])}
            for key, figure in figures.items()
        },
        # Per class F1 only: None for a class neither model has a figure for.
        "classes": {
            name: None
            if figure is None
            else figure
            | {"text": class_verdict_text(name, figure), "ci_text": interval_text(figure["ci"])}
            for name, figure in per_class.items()
        },
    }


def unpaired(reason: str) -> dict[str, Any]:
    return {"paired": False, "reason": reason, "figures": {}, "classes": {}}


def test_results(model: TrainedModel) -> list[dict[str, Any]]:
    """The test part of the model's results file, only ids, tags and predictions: what Compare's
    paired bootstrap needs. Kept per (path, mtime) like the validation part."""
    path = Path(model.artifact_path) / selectors.RESULTS_FILE
    if not model.artifact_path or not path.is_file():
        return []
    return list(_read_test(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _read_test(path: str, mtime_ns: int) -> tuple[dict[str, Any], ...]:
    test = json.loads(Path(path).read_text(encoding="utf-8")).get("test", [])
    return tuple(
        {"id": p["id"], "expected": p.get("expected"), "predicted": p.get("predicted")}
        for p in test
    )


def paired(a: TrainedModel, b: TrainedModel) -> dict[str, Any]:
    """`paired_comparison` of two trained models, from their stored evaluations and results.
    A version's folder and evaluation never change once written, so the answer is kept per
    pair of (name, results file, mtime): reloading Compare does not resample again."""
    if a.evaluation is None or b.evaluation is None:
        missing = a.name if a.evaluation is None else b.name
        return unpaired(f"{missing!r} has no evaluation, so there is nothing to compare.")
    key = (a.name, _results_identity(a), b.name, _results_identity(b))
    if key in _PAIRED:
        return _PAIRED[key]
    answer = paired_comparison(
        a.name, a.evaluation, test_results(a), b.name, b.evaluation, test_results(b)
    )
    if key[1] and key[3]:
        while len(_PAIRED) >= _PAIRED_KEPT:
            _PAIRED.pop(next(iter(_PAIRED)))
        _PAIRED[key] = answer
    return answer


_PAIRED: dict[tuple[Any, ...], dict[str, Any]] = {}
_PAIRED_KEPT = 8


def _results_identity(model: TrainedModel) -> tuple[str, int] | None:
    path = Path(model.artifact_path) / selectors.RESULTS_FILE
    if not model.artifact_path or not path.is_file():
        return None
    return str(path), path.stat().st_mtime_ns
