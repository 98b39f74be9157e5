"""`Recipe`: how each mode (`quick`, `standard`) turns a project's documents into a model, one
frozen object per mode and project kind, chosen by `recipe_for`."""

from __future__ import annotations

from dataclasses import dataclass

# Inverse regularization of the logistic heads `standard` starts from and (single-label) ends
# with: the value its results were measured with (docs/benchmarks.md, Accuracy). `quick`
# chooses its C per project (`heads.choose_c`); that choice is not yet measured for
# `standard`, whose fine-tuned embeddings are not the frozen ones the choice is made on.
PROBE_C = 10.0


@dataclass(frozen=True)
class Bands:
    """Where each phase sits on the 0-100 progress scale: the encoding of the training
    documents, the fitting (and fine-tuning), and the scoring of validation and test."""

    encoding: tuple[float, float]
    training: tuple[float, float]
    evaluating: tuple[float, float]


@dataclass(frozen=True)
class Recipe:
    """What a run does beyond the steps every run shares (split, embed, fit a logistic head,
    score validation and test, save).

    `head_c`: inverse regularization of every logistic head fitted: `standard` keeps the C its
    recipe was measured with; `None` (`quick`) has `heads.choose_c` choose it from the
    training documents' embeddings, once per run.
    `fine_tunes`: train the encoder and head together after the first fit (finetune.py, which
    also owns the rule for the number of epochs).
    `reprobes`: replace the fine-tuned head by a logistic one on the fine-tuned embeddings.
    `tunes_thresholds`: set the per-class thresholds on the validation documents.
    `validation_joins_head`: once the validation documents are scored, refit the head on
    training plus validation documents for the model saved."""

    mode: str
    multi_label: bool
    head_c: float | None
    bands: Bands
    fine_tunes: bool
    reprobes: bool
    tunes_thresholds: bool
    validation_joins_head: bool


# Encoding the training documents is most of a `quick` run; fine-tuning is most of `standard`.
QUICK_BANDS = Bands(encoding=(3, 80), training=(80, 88), evaluating=(88, 96))
STANDARD_BANDS = Bands(encoding=(3, 10), training=(10, 90), evaluating=(90, 96))

# Single-label has no further use for the validation documents, once their predictions are
# recorded (from the head fitted on training documents, so they stay out-of-sample for the
# Improve page), than as training data for the head: a ninth more documents is worth up to a
# point of accuracy at 8 per class (docs/benchmarks.md, Accuracy). Multi-label keeps its head,
# whose thresholds were set on them.
QUICK_SINGLE_LABEL = Recipe(
    mode="quick",
    multi_label=False,
    head_c=None,
    bands=QUICK_BANDS,
    fine_tunes=False,
    reprobes=False,
    tunes_thresholds=False,
    validation_joins_head=True,
)
QUICK_MULTI_LABEL = Recipe(
    mode="quick",
    multi_label=True,
    head_c=None,
    bands=QUICK_BANDS,
    fine_tunes=False,
    reprobes=False,
    tunes_thresholds=True,
    validation_joins_head=False,
)
# Single-label `standard` swaps its fine-tuned head for a logistic one fitted on the fine-tuned
# embeddings, as `quick` has on the frozen ones (docs/benchmarks.md, Accuracy).
STANDARD_SINGLE_LABEL = Recipe(
    mode="standard",
    multi_label=False,
    head_c=PROBE_C,
    bands=STANDARD_BANDS,
    fine_tunes=True,
    reprobes=True,
    tunes_thresholds=False,
    validation_joins_head=True,
)
STANDARD_MULTI_LABEL = Recipe(
    mode="standard",
    multi_label=True,
    head_c=PROBE_C,
    bands=STANDARD_BANDS,
    fine_tunes=True,
    reprobes=False,
    tunes_thresholds=True,
    validation_joins_head=False,
)
RECIPES = {
    (recipe.mode, recipe.multi_label): recipe
    for recipe in (
        QUICK_SINGLE_LABEL,
        QUICK_MULTI_LABEL,
        STANDARD_SINGLE_LABEL,
        STANDARD_MULTI_LABEL,
    )
}


def recipe_for(mode: str, multi_label: bool) -> Recipe:
    """The recipe of a mode for a project kind; `TrainConfig` has already checked the mode."""
    return RECIPES[mode, multi_label]
