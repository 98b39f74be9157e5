"""Model performance, details, compare and export pages on a constructed case: a TrainedModel
row holding the engine's own evaluation of hand-made predictions, and its results file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import timezone

from projects.models import Class, Project
from training.engine.evaluate import evaluate
from training.models import JobStatus, TrainedModel, TrainingJob

pytestmark = pytest.mark.django_db

CLASSES = ["sport", "food", "travel", "unused"]
# Test set: sport 4 (one taken for food), food 4 (one for sport, one for travel), travel 2.
EXPECTED = [["sport"]] * 4 + [["food"]] * 4 + [["travel"]] * 2
PREDICTED = (
    [["sport"]] * 3 + [["food"]] + [["food"]] * 2 + [["sport"], ["travel"]] + [["travel"]] * 2
)


def build_model(
    project: Project, tmp_path, name: str = "m1", predicted=PREDICTED, **fields
) -> TrainedModel:
    """A model whose stored evaluation is the engine's score of `predicted`, with a results file
    holding one validation mistake and the test predictions."""
    for i, c in enumerate(CLASSES):
        Class.objects.get_or_create(project=project, name=c, defaults={"order": i})
    folder = tmp_path / name / "v1"
    folder.mkdir(parents=True)
    test = [
        {"id": f"t{i}", "expected": e, "predicted": p, "confidences": {}, "location": f"t{i}.txt"}
        for i, (e, p) in enumerate(zip(EXPECTED, predicted, strict=True))
    ]
    (folder / "evaluation_results.json").write_text(
        json.dumps({"split": {}, "validation": [], "test": test})
    )
    evaluation = evaluate(EXPECTED, predicted, CLASSES, multi_label=False).to_dict()
    return TrainedModel.objects.create(
        project=project, name=name, version=1, artifact_path=str(folder), evaluation=evaluation,
        split_counts={"train": 80, "validation": 10, "test": 10}, trained_at=timezone.now(),
        training_duration_s=12.5, **fields,
    )  # fmt: skip


def test_list_shows_each_models_stored_micro_figures_and_split(client, project, viewer, tmp_path):
    model = build_model(project, tmp_path)
    client.force_login(viewer)
    body = client.get("/projects/Reviews/performance/").content.decode()
    assert 'data-model="m1"' in body
    assert f'data-value="{model.evaluation["micro_f1"]}"' in body
    assert "0.700" in body
    assert "12.5 s" in body
    assert '<button type="button" class="sort"' in body


def test_list_says_why_a_model_has_no_evaluation(client, project, viewer):
    TrainedModel.objects.create(
        project=project, name="tiny", version=1, evaluation=None,
        evaluation_error="Fewer than 10 documents: everything trained, nothing was tested.",
    )  # fmt: skip
    client.force_login(viewer)
    body = client.get("/projects/Reviews/performance/").content.decode()
    assert "No evaluation: Fewer than 10 documents" in body
    details = client.get("/projects/Reviews/performance/tiny/").content.decode()
    assert 'id="no-evaluation"' in details


def test_details_show_the_constructed_case_per_class_and_leave_out_absent_classes(
    client, project, viewer, tmp_path
):
    build_model(project, tmp_path)
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/m1/")
    assert response.status_code == 200
    rows = response.context["rows"]
    food = next(row for row in rows if row["name"] == "food")
    assert (food["tp"], food["fp"], food["fn"], food["support"]) == (2, 1, 2, 4)
    assert food["precision"] == pytest.approx(2 / 3)
    assert food["f1"] == pytest.approx(4 / 7)
    assert [row["name"] for row in rows] == ["sport", "food", "travel"]
    body = response.content.decode()
    assert 'data-class="unused"' not in body
    assert 'data-class="food"' in body
    assert "0.571" in body  # food's F1
    assert 'data-metric="macro_recall"' in body


def test_details_tiles_equal_the_stored_metrics(client, project, viewer, tmp_path):
    model = build_model(project, tmp_path)
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/m1/")
    overall = response.context["summary"]["overall"]
    for key in ("micro_precision", "micro_recall", "micro_f1", "macro_precision", "macro_f1"):
        assert overall[key] == model.evaluation[key]


def test_details_draw_the_confusion_heat_map_with_worst_cells_outlined(
    client, project, viewer, tmp_path
):
    build_model(project, tmp_path)
    client.force_login(viewer)
    body = client.get("/projects/Reviews/performance/m1/").content.decode()
    assert 'id="heatmap"' in body
    assert 'id="heatmap-normalise"' in body
    assert 'data-count="2" data-share="50.0"' in body  # food row, food column
    assert body.count("cell diagonal") == 3
    assert " worst" in body


def test_details_plot_the_training_curve_from_the_jobs_history(client, project, viewer, tmp_path):
    build_model(project, tmp_path, mode="standard")
    TrainingJob.objects.create(
        project=project, model_name="m1", status=JobStatus.SUCCEEDED, ended_at=timezone.now(),
        expires_at=timezone.now(), history=[
            {"epoch": 0, "loss": None, "validation_score": 0.5, "validation_loss": 1.0},
            {"epoch": 1, "loss": 0.8, "validation_score": 0.7, "validation_loss": 0.7,
             "kept": True},
        ],
    )  # fmt: skip
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/m1/")
    assert response.context["charts"]["curve"]["validation_score"] == [0.5, 0.7]
    assert 'id="curve-chart"' in response.content.decode()


def test_compare_shows_b_minus_a(client, project, viewer, tmp_path):
    build_model(project, tmp_path, name="first")
    build_model(project, tmp_path, name="second", predicted=EXPECTED)
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/compare/?a=first&b=second")
    assert response.status_code == 200
    micro = next(f for f in response.context["comparison"]["overall"] if f["key"] == "micro_f1")
    assert micro["delta"] == pytest.approx(0.3)
    body = response.content.decode()
    assert "+0.300" in body
    assert 'data-class="food"' in body
    chart = response.context["charts"]["compare"]
    rows = {row["name"]: row for row in response.context["comparison"]["classes"]}
    assert chart["names"] == ["first (A)", "second (B)"]
    for name, a_f1, b_f1 in zip(chart["classes"], chart["a"], chart["b"], strict=True):
        assert (a_f1, b_f1) == (rows[name]["a"]["f1"], rows[name]["b"]["f1"])
    assert chart["b"][chart["classes"].index("sport")] == pytest.approx(1.0)
    assert 'id="compare-chart"' in body


def test_export_json_is_the_stored_evaluation(client, project, viewer, tmp_path):
    model = build_model(project, tmp_path)
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/m1/evaluation.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["evaluation"] == model.evaluation
    assert data["model"]["name"] == "m1"


def test_export_csv_lists_per_class_rows(client, project, viewer, tmp_path):
    build_model(project, tmp_path)
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/m1/evaluation.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[0] for row in rows[1:4]] == ["sport", "food", "travel"]
    assert rows[2][4:8] == ["2", "1", "2", "5"]


def test_outsiders_get_404_on_every_evaluation_page(client, project, outsider, tmp_path):
    build_model(project, tmp_path)
    client.force_login(outsider)
    for url in (
        "/projects/Reviews/performance/",
        "/projects/Reviews/performance/m1/",
        "/projects/Reviews/performance/compare/",
        "/projects/Reviews/performance/m1/evaluation.csv",
        "/projects/Reviews/performance/m1/evaluation.json",
        "/projects/Reviews/improve/",
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, project):
    response = client.get("/projects/Reviews/performance/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_unknown_model_is_404(client, project, viewer):
    client.force_login(viewer)
    assert client.get("/projects/Reviews/performance/nope/").status_code == 404


def test_evaluation_api_answers_the_stored_figures_and_404_in_azures_envelope(
    project, viewer, outsider, client_for, tmp_path
):
    model = build_model(project, tmp_path)
    answer = client_for(viewer).get("/api/projects/Reviews/models/m1/evaluation").json()
    assert answer["overall"]["micro_f1"] == model.evaluation["micro_f1"]
    assert [c["name"] for c in answer["classes"]] == ["sport", "food", "travel"]
    missing = client_for(viewer).get("/api/projects/Reviews/models/nope/evaluation")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFound"
    hidden = client_for(outsider).get("/api/projects/Reviews/models/m1/evaluation")
    assert hidden.status_code == 404


def test_evaluation_api_carries_each_figures_interval_and_the_small_test_set_warning(
    project, viewer, client_for, tmp_path
):
    model = build_model(project, tmp_path)
    answer = client_for(viewer).get("/api/projects/Reviews/models/m1/evaluation").json()
    stored = model.evaluation["intervals"]
    assert answer["intervals"] == {
        "method": "bootstrap", "confidence": 0.95, "resamples": 1000, "seed": 0,
    }  # fmt: skip
    for key in ("micro_f1", "micro_precision", "macro_recall", "accuracy"):
        lo, hi = answer["overall"][f"{key}_ci"]
        assert [lo, hi] == stored["overall"][key]
        assert lo <= answer["overall"][key] <= hi
    food = next(c for c in answer["classes"] if c["name"] == "food")
    assert food["f1_ci"] == stored["per_class"]["food"]["f1"]
    assert food["few_test_documents"] is True  # 4 test documents tagged food
    assert "only 10 test documents" in answer["small_test_set"]


def test_evaluation_api_answers_null_intervals_for_an_older_evaluation(
    project, viewer, client_for, tmp_path
):
    model = build_model(project, tmp_path)
    model.evaluation.pop("intervals")
    model.save(update_fields=["evaluation"])
    answer = client_for(viewer).get("/api/projects/Reviews/models/m1/evaluation").json()
    assert answer["intervals"] is None
    assert answer["overall"]["micro_f1_ci"] is None
    assert answer["overall"]["micro_f1"] == model.evaluation["micro_f1"]
    assert all(c["f1_ci"] is None for c in answer["classes"])


def test_azures_evaluation_summary_carries_no_intervals(project, viewer, client_for, tmp_path):
    build_model(project, tmp_path)
    url = "/language/authoring/analyze-text/projects/Reviews/models/m1/evaluation/summary-result"
    answer = client_for(viewer).get(f"{url}?api-version=2023-04-01")
    assert answer.status_code == 200
    assert "_ci" not in answer.content.decode()
    assert "interval" not in answer.content.decode()


def test_details_show_intervals_and_warn_that_the_test_set_is_small(
    client, project, viewer, tmp_path
):
    model = build_model(project, tmp_path)
    client.force_login(viewer)
    body = client.get("/projects/Reviews/performance/m1/").content.decode()
    lo, hi = model.evaluation["intervals"]["overall"]["micro_f1"]
    assert f"95% CI {lo:.3f}\u2013{hi:.3f}" in body
    assert 'class="ci-bar"' in body
    assert 'data-metric="accuracy"' in body
    assert 'id="small-test-set"' in body
    assert "Measured on only 10 test documents: too few to trust" in body
    assert "Only 4 test documents: too few to trust this row" in body
    listing = client.get("/projects/Reviews/performance/").content.decode()
    assert f"({lo:.3f}\u2013{hi:.3f})" in listing
    assert "too few to trust" in listing


def test_details_of_an_older_evaluation_render_without_intervals(client, project, viewer, tmp_path):
    model = build_model(project, tmp_path)
    model.evaluation.pop("intervals")
    model.save(update_fields=["evaluation"])
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/m1/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-metric="micro_f1"' in body
    assert "95% CI" not in body
    assert 'class="ci-bar"' not in body


def test_compare_says_a_clearly_better_model_is_larger_than_the_noise(
    client, project, viewer, tmp_path
):
    build_model(project, tmp_path, name="first")
    build_model(project, tmp_path, name="second", predicted=EXPECTED)
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/compare/?a=first&b=second")
    noise = response.context["noise"]
    assert noise["paired"] is True
    assert noise["documents"] == 10
    micro = noise["figures"]["micro_f1"]
    assert micro["delta"] == pytest.approx(0.3)
    body = response.content.decode()
    assert 'id="noise-headline"' in body
    assert "Model B&#x27;s micro F1 is higher by 0.300 (95% CI" in body
    assert ("larger than the noise" if micro["larger_than_noise"] else "within the noise") in body
    same = client.get("/projects/Reviews/performance/compare/?a=first&b=first").context["noise"]
    assert same["paired"] is False


def test_compare_gives_no_verdict_when_the_test_documents_differ(client, project, viewer, tmp_path):
    build_model(project, tmp_path, name="first")
    other = build_model(project, tmp_path, name="second", predicted=EXPECTED)
    results = tmp_path / "second" / "v1" / "evaluation_results.json"
    data = json.loads(results.read_text())
    for i, p in enumerate(data["test"]):
        p["id"] = f"other{i}"
    results.write_text(json.dumps(data))
    client.force_login(viewer)
    response = client.get("/projects/Reviews/performance/compare/?a=first&b=second")
    assert response.context["noise"]["paired"] is False
    body = response.content.decode()
    assert "isn&#x27;t paired" in body
    assert "Larger than the noise?" not in body
    assert other.evaluation["micro_f1"] == 1.0


def test_multi_label_details_show_true_negatives_and_the_f1_chart_without_a_matrix(
    client, multi_project, viewer, tmp_path
):
    expected = [["a", "b"], ["a"], ["b"], ["c"]]
    predicted = [["a"], ["a", "c"], ["b"], ["c"]]
    evaluation = evaluate(expected, predicted, ["a", "b", "c"], multi_label=True).to_dict()
    TrainedModel.objects.create(
        project=multi_project, name="ml", version=1, artifact_path=str(tmp_path),
        evaluation=evaluation, trained_at=timezone.now(),
    )  # fmt: skip
    client.force_login(viewer)
    response = client.get("/projects/Topics/performance/ml/")
    body = response.content.decode()
    assert 'title="True negatives">TN</button>' in body
    assert 'id="heatmap"' not in body
    assert 'id="f1-chart"' in body
    c = next(row for row in response.context["rows"] if row["name"] == "c")
    assert (c["tp"], c["fp"], c["fn"], c["tn"]) == (1, 1, 0, 2)
    assert response.context["charts"]["f1"] == [row["f1"] for row in response.context["rows"]]


def test_openapi_schema_documents_the_evaluation_intervals(client, viewer):
    client.force_login(viewer)
    schema = client.get("/api/schema", HTTP_ACCEPT="application/json").json()
    overall = schema["components"]["schemas"]["EvaluationOverallOutput"]["properties"]
    assert overall["micro_f1_ci"]["type"] == "array"
    assert overall["micro_f1_ci"]["nullable"] is True
    assert "confidence interval" in overall["accuracy_ci"]["description"]
    rows = schema["components"]["schemas"]["EvaluationClassOutput"]["properties"]
    assert {"f1_ci", "few_test_documents"} <= set(rows)
