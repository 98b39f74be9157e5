"""Bootstrap intervals and the paired bootstrap: they hold the figure, narrow with more
documents, repeat exactly, and tell a real difference from noise."""

from __future__ import annotations

import random

import pytest

from training.engine import bootstrap
from training.engine.evaluate import Evaluation, evaluate

CLASSES = ["sport", "food", "travel"]


def _documents(n: int, right: float, seed: int = 1) -> tuple[list[list[str]], list[list[str]]]:
    """n single-label documents, each predicted right with probability `right`."""
    rng = random.Random(seed)
    expected = [[rng.choice(CLASSES)] for _ in range(n)]
    predicted = [e if rng.random() < right else [rng.choice(CLASSES)] for e in expected]
    return expected, predicted


def _multi_label(n: int, seed: int = 2) -> tuple[list[list[str]], list[list[str]]]:
    rng = random.Random(seed)
    expected = [[c for c in CLASSES if rng.random() < 0.4] for _ in range(n)]
    predicted = [[c for c in CLASSES if (c in e) != (rng.random() < 0.2)] for e in expected]
    return expected, predicted


@pytest.mark.parametrize("multi_label", [False, True])
def test_every_interval_holds_its_figure(multi_label):
    expected, predicted = _multi_label(120) if multi_label else _documents(120, 0.7)
    result = evaluate(expected, predicted, CLASSES, multi_label)
    for key, (lo, hi) in result.intervals["overall"].items():
        assert lo <= getattr(result, key) <= hi, key
        assert 0.0 <= lo <= hi <= 1.0
    for name, metrics in result.per_class.items():
        for key, (lo, hi) in result.intervals["per_class"][name].items():
            assert lo <= getattr(metrics, key) <= hi, (name, key)


@pytest.mark.parametrize("multi_label", [False, True])
def test_the_full_sample_scores_as_evaluate_does(multi_label):
    expected, predicted = _multi_label(80) if multi_label else _documents(80, 0.6)
    result = evaluate(expected, predicted, CLASSES, multi_label, resamples=0)
    rows = bootstrap.outcomes(expected, predicted, result.classes)
    figures = bootstrap.figures(rows.sum(axis=0, keepdims=True), len(rows))
    for key in bootstrap.OVERALL_KEYS:
        assert figures[key][0] == pytest.approx(getattr(result, key)), key
    for j, name in enumerate(result.classes):
        assert figures["f1"][0, j] == pytest.approx(result.per_class[name].f1)


def test_intervals_narrow_with_more_documents():
    few = bootstrap.intervals(*_documents(40, 0.8), CLASSES)["overall"]["micro_f1"]
    many = bootstrap.intervals(*_documents(4000, 0.8), CLASSES)["overall"]["micro_f1"]
    assert many[1] - many[0] < (few[1] - few[0]) / 4


def test_intervals_are_the_same_for_the_same_seed_and_differ_for_another():
    expected, predicted = _documents(200, 0.75)
    first = bootstrap.intervals(expected, predicted, CLASSES, seed=3)
    assert bootstrap.intervals(expected, predicted, CLASSES, seed=3) == first
    assert bootstrap.intervals(expected, predicted, CLASSES, seed=4) != first


def test_a_perfect_model_on_few_documents_gets_a_point_interval_and_an_empty_set_none():
    expected = [["sport"], ["food"], ["travel"]] * 2
    result = evaluate(expected, expected, CLASSES, False)
    assert result.micro_f1 == 1.0
    assert result.intervals["overall"]["micro_f1"] == [1.0, 1.0]
    assert evaluate([], [], CLASSES, False).intervals is None


def test_an_evaluation_stored_before_intervals_still_loads():
    stored = evaluate(*_documents(30, 0.7), CLASSES, False).to_dict()
    del stored["intervals"]
    assert Evaluation.from_dict(stored).intervals is None


def test_paired_bootstrap_calls_identical_predictions_noise():
    expected, predicted = _documents(300, 0.7)
    result = bootstrap.paired_difference(expected, predicted, list(predicted), CLASSES)
    for figure in result.values():
        assert figure["delta"] == 0.0
        assert figure["ci"] == [0.0, 0.0]
        assert figure["larger_than_noise"] is False


def test_paired_bootstrap_finds_a_clearly_better_model():
    expected, worse = _documents(300, 0.6)
    result = bootstrap.paired_difference(expected, worse, expected, CLASSES)
    micro = result["micro_f1"]
    assert micro["b"] == 1.0
    assert micro["delta"] > 0.2
    assert 0 < micro["ci"][0] <= micro["delta"] <= micro["ci"][1]
    assert micro["larger_than_noise"] is True
    assert bootstrap.paired_difference(expected, expected, worse, CLASSES)["micro_f1"]["ci"][1] < 0


def test_paired_bootstrap_calls_a_small_difference_on_few_documents_noise():
    expected, a = _documents(30, 0.7, seed=5)
    b = list(a)
    wrong = next(i for i, (e, p) in enumerate(zip(expected, a, strict=True)) if e != p)
    b[wrong] = expected[wrong]  # B gets one document more right than A
    result = bootstrap.paired_difference(expected, a, b, CLASSES)["accuracy"]
    assert result["delta"] == pytest.approx(1 / 30)
    assert result["larger_than_noise"] is False


def test_ten_thousand_documents_with_many_distinct_outcomes_are_resampled():
    classes = [f"c{i}" for i in range(30)]
    rng = random.Random(9)
    expected = [[c for c in classes if rng.random() < 0.15] for _ in range(10_000)]
    predicted = [[c for c in classes if (c in e) != (rng.random() < 0.05)] for e in expected]
    result = bootstrap.intervals(expected, predicted, classes, resamples=200)
    lo, hi = result["overall"]["micro_f1"]
    assert 0 < hi - lo < 0.02


def test_per_class_verdicts_find_the_class_that_got_better_and_only_that_one():
    expected, a = _documents(600, 0.6, seed=7)
    # B fixes every sport document and changes nothing else.
    b = [e if e == ["sport"] else p for e, p in zip(expected, a, strict=True)]
    result = bootstrap.paired_class_difference(expected, a, b, [*CLASSES, "unused"])
    sport = result["sport"]
    evaluated_a = evaluate(expected, a, CLASSES, False).per_class["sport"].f1
    assert sport["a"] == pytest.approx(evaluated_a)
    assert sport["delta"] > 0.1
    assert 0 < sport["ci"][0] <= sport["delta"] <= sport["ci"][1]
    assert sport["larger_than_noise"] is True
    assert result["unused"] is None  # neither tagged nor predicted: no F1 in either model


def test_per_class_verdicts_call_identical_predictions_and_one_fix_on_few_documents_noise():
    expected, a = _documents(300, 0.7)
    same = bootstrap.paired_class_difference(expected, a, list(a), CLASSES)
    assert all(f["delta"] == 0.0 and f["larger_than_noise"] is False for f in same.values())
    expected, a = _documents(30, 0.7, seed=5)
    b = list(a)
    wrong = next(i for i, (e, p) in enumerate(zip(expected, a, strict=True)) if e != p)
    b[wrong] = expected[wrong]
    fixed = bootstrap.paired_class_difference(expected, a, b, CLASSES)[expected[wrong][0]]
    assert fixed["delta"] > 0
    assert fixed["larger_than_noise"] is False


def test_per_class_verdicts_use_the_same_resamples_as_the_overall_ones():
    expected, a = _documents(200, 0.6)
    b = [e if e == ["food"] else p for e, p in zip(expected, a, strict=True)]
    first = bootstrap.paired_class_difference(expected, a, b, CLASSES, seed=3)
    assert bootstrap.paired_class_difference(expected, a, b, CLASSES, seed=3) == first
    assert bootstrap.paired_class_difference(expected, a, b, CLASSES, seed=4) != first
