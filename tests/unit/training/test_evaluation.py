"""The evaluation read model: figures as stored, heat-map cells, worst confusions, compare
deltas, CSV, the review order and the plain-words suggestions."""

from __future__ import annotations

import csv
import io

import pytest

from training import evaluation as ev
from training.engine.evaluate import evaluate

CLASSES = ["sport", "food", "travel", "unused"]
EXPECTED = [["sport"]] * 4 + [["food"]] * 4 + [["travel"]] * 2
PREDICTED = (
    [["sport"]] * 3 + [["food"]] + [["food"]] * 2 + [["sport"], ["travel"]] + [["travel"]] * 2
)


@pytest.fixture
def stored() -> dict:
    return evaluate(EXPECTED, PREDICTED, CLASSES, multi_label=False).to_dict()


def test_class_rows_are_the_stored_figures_and_leave_out_absent_classes(stored):
    rows = {row["name"]: row for row in ev.class_rows(stored)}
    assert list(rows) == ["sport", "food", "travel"]
    assert {key: rows["sport"][key] for key in ("name", *ev.CLASS_KEYS)} == {
        "name": "sport", "precision": 0.75, "recall": 0.75, "f1": 0.75,
        "tp": 3, "fp": 1, "fn": 1, "tn": 5, "support": 4,
    }  # fmt: skip
    assert rows["food"]["precision"] == pytest.approx(2 / 3)
    assert rows["food"]["recall"] == 0.5
    assert rows["food"]["f1"] == pytest.approx(4 / 7)
    assert rows["travel"]["recall"] == 1.0


def test_a_stored_row_without_any_decision_is_dropped():
    stored = {
        "classes": ["a", "b"],
        "per_class": {
            "a": {"precision": 1, "recall": 1, "f1": 1, "tp": 1, "fp": 0, "fn": 0, "tn": 0,
                  "support": 1},
            "b": {"precision": 0, "recall": 0, "f1": 0, "tp": 0, "fp": 0, "fn": 0, "tn": 1,
                  "support": 0},
        },
    }  # fmt: skip
    assert [row["name"] for row in ev.class_rows(stored)] == ["a"]


def test_overall_is_micro_and_macro_as_stored(stored):
    figures = ev.overall(stored)
    assert figures["micro_f1"] == stored["micro_f1"] == pytest.approx(0.7)
    assert figures["macro_recall"] == pytest.approx((0.75 + 0.5 + 1.0) / 3)


def test_heatmap_normalises_each_row_and_marks_diagonal_and_worst(stored):
    matrix = ev.heatmap(stored["confusion_matrix"], stored["classes"])
    assert matrix["classes"] == ["sport", "food", "travel"]
    food = matrix["rows"][1]
    assert food["total"] == 4
    assert [c["count"] for c in food["cells"]] == [1, 2, 1]
    assert [c["share"] for c in food["cells"]] == [0.25, 0.5, 0.25]
    assert [c["diagonal"] for c in food["cells"]] == [False, True, False]
    # The largest count (3, sport as sport) has full intensity in the counts view.
    assert matrix["rows"][0]["cells"][0]["count_level"] == 1.0
    assert any(c["worst"] for c in food["cells"])
    assert not any(c["worst"] for row in matrix["rows"] for c in row["cells"] if c["diagonal"])


def test_worst_confusions_are_off_diagonal_by_count():
    matrix = {
        "a": {"a": 5, "b": 4, "c": 0},
        "b": {"a": 1, "b": 9, "c": 2},
        "c": {"a": 0, "b": 0, "c": 3},
    }
    worst = ev.worst_confusions(matrix, top=2)
    assert [(w["expected"], w["predicted"], w["count"]) for w in worst] == [
        ("a", "b", 4),
        ("b", "c", 2),
    ]
    assert worst[0]["share"] == pytest.approx(4 / 9)


def test_compare_gives_b_minus_a_overall_and_per_class(stored):
    better = evaluate(EXPECTED, EXPECTED, CLASSES, multi_label=False).to_dict()
    result = ev.compare(stored, better)
    micro = next(f for f in result["overall"] if f["key"] == "micro_f1")
    assert micro["delta"] == pytest.approx(0.3)
    food = next(row for row in result["classes"] if row["name"] == "food")
    assert food["f1_delta"] == pytest.approx(1 - 4 / 7)
    assert food["recall_delta"] == pytest.approx(0.5)


def test_compare_with_a_model_without_evaluation_has_no_deltas(stored):
    result = ev.compare(None, stored)
    assert all(f["delta"] is None and f["a"] is None for f in result["overall"])
    assert all(row["a"] is None and row["f1_delta"] is None for row in result["classes"])


def test_csv_has_one_row_per_class_the_averages_and_the_matrix(stored):
    rows = list(csv.reader(io.StringIO(ev.evaluation_csv(stored))))
    assert rows[0] == ["class", "precision", "recall", "f1", "tp", "fp", "fn", "tn", "support"]
    assert rows[1][:5] == ["sport", "0.75", "0.75", "0.75", "3"]
    assert rows[4][0] == "(micro average)"
    assert float(rows[4][3]) == pytest.approx(0.7)
    assert rows[7] == ["tagged \\ predicted", "sport", "food", "travel"]
    assert rows[9] == ["food", "1", "2", "1"]


def test_csv_class_names_cannot_run_as_spreadsheet_formulas():
    """Class names come from users, and a spreadsheet runs `=...`."""
    classes = ['=HYPERLINK("evil.example")', "+1", "-2", "@SUM(A1)"]
    expected = [[c] for c in classes]
    stored = evaluate(expected, expected, classes, multi_label=False).to_dict()
    cells = [cell for row in csv.reader(io.StringIO(ev.evaluation_csv(stored))) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    # Each name is guarded in its row, in the matrix header and in its matrix row.
    assert [cells.count(f"'{c}") for c in classes] == [3, 3, 3, 3]


def test_training_curve_keeps_each_epochs_last_point_and_none_for_quick_mode():
    history = [
        {"epoch": 0, "loss": None, "validation_score": 0.5, "validation_loss": 1.0, "kept": False},
        {"epoch": 1, "loss": 0.9, "validation_score": 0.7, "validation_loss": 0.8, "kept": True},
        {"epoch": 2, "loss": 0.4, "validation_score": 0.65, "validation_loss": 0.9, "kept": False},
    ]
    curve = ev.training_curve(history)
    assert curve["epochs"] == [0, 1, 2]
    assert curve["loss"] == [None, 0.9, 0.4]
    assert curve["validation_score"] == [0.5, 0.7, 0.65]
    assert curve["kept"] == 1
    assert ev.training_curve([]) is None
    live = [{"epoch": 1, "step": 1, "loss": 2.0}, {"epoch": 1, "step": 2, "loss": 1.5}]
    assert ev.training_curve(live)["loss"] == [1.5]


def _prediction(doc_id, expected, predicted, scores):
    return {
        "id": doc_id,
        "expected": expected,
        "predicted": predicted,
        "confidences": scores,
        "location": f"{doc_id}.txt",
    }


VALIDATION = [
    _prediction("1", ["sport"], ["sport"], {"sport": 0.9, "food": 0.1}),
    _prediction("2", ["sport"], ["food"], {"sport": 0.45, "food": 0.55}),
    _prediction("3", ["food"], ["sport"], {"sport": 0.95, "food": 0.05}),
]


def test_review_lists_confident_mistakes_first():
    items = ev.review_items(VALIDATION)
    assert [item["id"] for item in items] == ["3", "2"]
    assert items[0]["predicted"] == [{"class": "sport", "confidence": 0.95}]
    everything = ev.review_items(VALIDATION, incorrect_only=False)
    assert [item["id"] for item in everything] == ["3", "2", "1"]


def test_review_filters_by_tagged_and_predicted_class():
    assert [i["id"] for i in ev.review_items(VALIDATION, expected_class="sport")] == ["2"]
    assert [
        i["id"] for i in ev.review_items(VALIDATION, incorrect_only=False, predicted_class="sport")
    ] == ["3", "1"]


def test_suggestions_name_thin_classes_confused_pairs_and_likely_mislabelled_documents(stored):
    advice = ev.suggestions(
        evaluation=stored,
        evaluation_error="",
        tagged_counts={"sport": 40, "food": 3},
        validation=VALIDATION,
        few_documents=15,
    )
    kinds = [a["kind"] for a in advice]
    assert "few_documents" in kinds
    assert "confused_pair" in kinds
    assert "likely_mislabelled" in kinds
    few = next(a for a in advice if a["kind"] == "few_documents")
    assert few["class"] == "food"
    assert "only 3 tagged documents" in few["message"]
    mislabelled = next(a for a in advice if a["kind"] == "likely_mislabelled")
    assert mislabelled["document"] == "3"
    assert "95%" in mislabelled["message"]


def test_suggestions_without_evaluation_say_why_and_use_validation_pairs():
    advice = ev.suggestions(
        evaluation=None, evaluation_error="Too few documents.", tagged_counts={},
        validation=VALIDATION, few_documents=15,
    )  # fmt: skip
    assert advice[0]["kind"] == "no_evaluation"
    assert "Too few documents." in advice[0]["message"]
    pairs = [(a["expected"], a["predicted"]) for a in advice if a["kind"] == "confused_pair"]
    assert pairs == [("food", "sport"), ("sport", "food")]


# ---- Intervals, small test sets and Compare's noise verdict


def _test_part(predicted, prefix="t"):
    return [
        {"id": f"{prefix}{i}", "expected": e, "predicted": p}
        for i, (e, p) in enumerate(zip(EXPECTED, predicted, strict=True))
    ]


def test_tiles_carry_the_stored_interval_and_an_old_evaluation_renders_without(stored):
    tiles = {tile["key"]: tile for tile in ev.tiles(stored)}
    assert next(iter(tiles)) == "micro_f1"
    assert "accuracy" in tiles
    lo, hi = tiles["micro_f1"]["ci"]
    assert tiles["micro_f1"]["ci_text"] == f"95% CI {lo:.3f}\u2013{hi:.3f}"
    assert tiles["micro_f1"]["bar"]["lo"] == pytest.approx(lo * 100)
    old = {key: value for key, value in stored.items() if key != "intervals"}
    assert all(tile["ci"] is None for tile in ev.tiles(old))
    assert set(ev.overall_intervals(old).values()) == {None}
    assert all(row["f1_ci"] is None for row in ev.class_rows(old))


def test_a_zero_width_interval_on_a_small_test_set_reads_cant_tell():
    assert ev.shown_interval([1.0, 1.0], few=True) == "can't tell"
    assert ev.shown_interval([1.0, 1.0], few=False) == "1.000\u20131.000"
    assert ev.shown_interval(None, few=True) == ""


def test_small_test_sets_are_flagged_overall_and_per_class(stored):
    assert "only 10 test documents: too few to trust" in ev.small_test_set(stored)
    assert ev.small_test_set(stored | {"documents": 50}) == ""
    assert all(row["few_test_documents"] for row in ev.class_rows(stored))


def test_verdicts_read_in_plain_words():
    larger = {"delta": 0.031, "ci": [0.012, 0.05], "larger_than_noise": True}
    assert ev.verdict_text("micro_f1", larger) == (
        "Model B's micro F1 is higher by 0.031 (95% CI 0.012\u20130.050): larger than the noise."
    )
    within = {"delta": -0.01, "ci": [-0.04, 0.02], "larger_than_noise": False}
    assert ev.verdict_text("accuracy", within) == (
        "Model B's accuracy is lower by 0.010 (95% CI \u22120.020 to 0.040): within the noise."
    )


def test_paired_comparison_on_the_same_documents_gives_a_verdict(stored):
    perfect = evaluate(EXPECTED, EXPECTED, CLASSES, multi_label=False).to_dict()
    result = ev.paired_comparison(
        "a", stored, _test_part(PREDICTED), "b", perfect, _test_part(EXPECTED)
    )
    assert result["paired"] is True
    micro = result["figures"]["micro_f1"]
    assert micro["delta"] == pytest.approx(perfect["micro_f1"] - stored["micro_f1"])
    assert micro["text"].startswith("Model B's micro F1 is higher by 0.300")
    same = ev.paired_comparison(
        "a", stored, _test_part(PREDICTED), "b", stored, _test_part(PREDICTED)
    )
    assert same["figures"]["micro_f1"]["text"].endswith("within the noise.")


def test_paired_comparison_refuses_a_verdict_when_the_test_documents_differ(stored):
    result = ev.paired_comparison(
        "a", stored, _test_part(PREDICTED), "b", stored, _test_part(PREDICTED, prefix="x")
    )
    assert result["paired"] is False
    assert result["figures"] == {}
    assert "isn't paired" in result["reason"]
    missing = ev.paired_comparison("a", stored, [], "b", stored, _test_part(PREDICTED))
    assert "missing" in missing["reason"]
    retagged = _test_part(PREDICTED)
    retagged[0] = retagged[0] | {"expected": ["food"]}
    result = ev.paired_comparison("a", stored, _test_part(PREDICTED), "b", stored, retagged)
    assert "different tags" in result["reason"]


def test_paired_comparison_gives_each_class_a_verdict_in_words(stored):
    perfect = evaluate(EXPECTED, EXPECTED, CLASSES, multi_label=False).to_dict()
    result = ev.paired_comparison(
        "a", stored, _test_part(PREDICTED), "b", perfect, _test_part(EXPECTED)
    )
    sport = result["classes"]["sport"]
    assert sport["delta"] == pytest.approx(1.0 - stored["per_class"]["sport"]["f1"])
    assert sport["text"].startswith("Model B's F1 on sport is higher by")
    assert sport["text"].endswith(("larger than the noise.", "within the noise."))
    assert sport["ci_text"]
    assert ev.unpaired("no")["classes"] == {}
