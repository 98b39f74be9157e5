"""Model performance and Improve model in Chromium, on a real quick-mode model (MiniLM
embeddings and a linear head) trained by the studio's own worker on 36 documents in 3 classes:
the heat map and the charts render, the sort buttons work, every figure shows its interval and
the small test set is called out, Compare says whether a difference is larger than the noise,
and the Improve page lists the validation set's predictions."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, screenshot, seed_project

pytestmark = pytest.mark.e2e

EXAMPLES = {
    "Sport": ["The team won the football match", "A late goal decided the final",
              "The striker scored twice", "The coach praised the defence after the win",
              "Tennis star reaches the semi-final", "The runner broke the national record",
              "The goalkeeper saved a penalty", "Cyclists climbed the mountain stage",
              "The rugby team trained in the rain", "The swimmer took gold in the relay",
              "Basketball playoffs start next week", "The boxer won on points"],
    "Food": ["This pasta recipe is delicious", "Bake the bread for twenty minutes",
             "A tasty soup with garlic and onions", "Add salt and pepper to the sauce",
             "The chef roasted the vegetables", "Chocolate cake with fresh berries",
             "Simmer the beans with tomatoes", "Grill the fish with lemon",
             "The salad needs more olive oil", "Knead the pizza dough slowly",
             "Fry the onions in butter", "A spicy curry with rice"],
    "Travel": ["Our flight to Lisbon was delayed", "The hotel had a view of the harbour",
               "Pack light for a week in the mountains", "The train crossed the Alps at dawn",
               "We rented a car to tour the coast", "The museum pass saved us money",
               "Book the ferry to the islands early", "The hostel was near the old town",
               "Passport control took an hour", "A road trip across the desert",
               "The airport lounge was crowded", "We hiked to a remote village"],
}  # fmt: skip


# A second model row with a hand-made evaluation full of confusions (the engine's own scoring
# of constructed predictions), sharing the real model's files, for the heat map and compare.
CONSTRUCTED = """
from training.engine.evaluate import evaluate
from django.utils import timezone
from training.models import TrainedModel, TrainingJob
real = TrainedModel.objects.get(project__name="EvalNews", name="quick-model")
expected = [["Sport"]] * 8 + [["Food"]] * 8 + [["Travel"]] * 8
predicted = ([["Sport"]] * 6 + [["Food"]] * 2 + [["Food"]] * 5 + [["Sport"]] * 1
             + [["Travel"]] * 2 + [["Travel"]] * 7 + [["Food"]])
evaluation = evaluate(expected, predicted, ["Sport", "Food", "Travel"], False).to_dict()
# Its results file: the real validation predictions, the first one turned into a confident
# mistake (the model "sure" the document belongs to another class).
import datetime, json, pathlib
folder = pathlib.Path(real.artifact_path).parent.parent / "hand-model" / "v1"
folder.mkdir(parents=True, exist_ok=True)
results = json.loads((pathlib.Path(real.artifact_path) / "evaluation_results.json").read_text())
first = results["validation"][0]
other = next(c for c in ["Sport", "Food", "Travel"] if c not in first["expected"])
first["predicted"] = [other]
first["confidences"] = {c: (0.96 if c == other else 0.02) for c in first["confidences"]}
# Its test part: the 24 constructed documents, so Compare can pair it with "hand-better".
results["test"] = [
    {"id": f"h{i}", "expected": e, "predicted": p, "confidences": {}, "location": f"h{i}.txt"}
    for i, (e, p) in enumerate(zip(expected, predicted))
]
(folder / "evaluation_results.json").write_text(json.dumps(results))
TrainedModel.objects.create(
    project=real.project, name="hand-model", version=1, artifact_path=str(folder),
    mode="standard", evaluation=evaluation, split_counts=real.split_counts,
    trained_at=real.trained_at, training_duration_s=1.0,
)
# A model right on every one of the same 24 documents: clearly better than hand-model.
better = folder.parent.parent / "hand-better" / "v1"
better.mkdir(parents=True, exist_ok=True)
results["test"] = [p | {"predicted": p["expected"]} for p in results["test"]]
(better / "evaluation_results.json").write_text(json.dumps(results))
TrainedModel.objects.create(
    project=real.project, name="hand-better", version=1, artifact_path=str(better),
    mode="standard", evaluation=evaluate(expected, expected, ["Sport", "Food", "Travel"],
    False).to_dict(), split_counts=real.split_counts,
    trained_at=real.trained_at - datetime.timedelta(days=1), training_duration_s=1.0,
)
TrainingJob.objects.create(
    project=real.project, model_name="hand-model", status="succeeded", ended_at=timezone.now(),
    expires_at=timezone.now(), history=[
        {"epoch": e, "loss": loss, "validation_score": score, "kept": e == 3}
        for e, loss, score in [(0, None, 0.4), (1, 0.9, 0.6), (2, 0.5, 0.7), (3, 0.3, 0.75)]
    ],
)
"""

CHART_DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart && window.Chart.getChart(canvas);
  return Boolean(chart) && canvas.width > 0 && canvas.height > 0 && chart.data.labels.length;
}"""


@pytest.fixture(scope="module")
def trained(studio):
    trained = seed_project(studio, "EvalNews", EXAMPLES, train_model="quick-model")
    studio.manage("shell", "-c", CONSTRUCTED)
    return trained


def test_model_details_draw_the_heat_map_and_charts(page, trained):
    assert trained["status"] == "succeeded"
    assert trained["evaluated"]

    page.goto("/projects/EvalNews/performance/")
    row = page.locator('tr[data-model="quick-model"]')
    expect(row).to_be_visible()
    page.get_by_role("button", name="Micro F1").click()
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    screenshot(page, "performance-list")

    row.get_by_role("link", name="quick-model").click()
    page.wait_for_url("**/performance/quick-model/")
    expect(page.locator(".metric-tile")).to_have_count(7)
    # 36 documents leave a handful for the test set: every figure has its interval, and the
    # page says the test set is too small to trust, overall and per class.
    # (A perfect score on so few documents has no spread to resample: "can't tell".)
    expect(page.locator('.metric-tile[data-metric="micro_f1"] .metric-ci')).to_contain_text(
        re.compile(r"95% CI( [01]\.\d{3}\u2013[01]\.\d{3}|: can't tell)")
    )
    expect(page.locator("#small-test-set")).to_contain_text("too few to trust these figures")
    expect(page.locator("#class-table .few-documents").first).to_contain_text(
        "too few to trust this row"
    )
    expect(page.locator("#class-table td .ci").first).to_have_text(
        re.compile(r"\(([01]\.\d{3}\u2013[01]\.\d{3}|can't tell)\)")
    )
    heatmap = page.locator("#heatmap")
    expect(heatmap).to_be_visible()
    expect(heatmap.locator("td.cell")).to_have_count(9)
    assert heatmap.locator("td.diagonal").count() == 3
    colour = heatmap.locator("td.diagonal").first.evaluate(
        "(cell) => getComputedStyle(cell).backgroundColor"
    )
    assert colour not in ("", "rgba(0, 0, 0, 0)")
    assert page.evaluate(CHART_DRAWN, "f1-chart")
    box = page.locator("#f1-chart").bounding_box()
    assert box["width"] > 100
    assert box["height"] > 100

    page.get_by_label("Row-normalised").check()
    expect(heatmap).to_have_class("heatmap normalised")
    expect(heatmap.locator("td.cell .share").first).to_be_visible()
    page.get_by_label("Filter classes").fill("foo")
    expect(page.locator("#class-table tbody tr:visible")).to_have_count(1)
    page.get_by_label("Filter classes").fill("")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "performance-model")


def test_improve_page_lists_validation_predictions(page, trained):
    page.goto("/projects/EvalNews/improve/")
    expect(page.get_by_label("Show incorrect predictions only")).to_be_checked()
    expect(page.locator("#improve-count")).to_contain_text("validation set")
    page.get_by_label("Show incorrect predictions only").uncheck()
    items = page.locator("#review-list li.review-item")
    expect(items).to_have_count(trained["counts"]["validation"])
    first = items.first
    expect(first.get_by_role("link", name="Open in tagging view")).to_be_visible()
    expect(first.get_by_role("button", name="Save tag")).to_be_visible()
    screenshot(page, "improve-model")


def test_heat_map_outlines_the_worst_confusions_and_compare_shows_deltas(page, trained):
    page.goto("/projects/EvalNews/performance/hand-model/")
    heatmap = page.locator("#heatmap")
    expect(heatmap.locator("td.worst")).to_have_count(3)
    worst = heatmap.locator("tbody tr").nth(1).locator("td.cell").nth(2)  # Food taken for Travel
    expect(worst).to_have_class("cell off worst")
    expect(page.locator(".worst-list li").first).to_contain_text("predicted as")
    # 24 documents, 18 right: a real range around 0.750, and still too few to trust.
    expect(page.locator('.metric-tile[data-metric="accuracy"] .metric-ci')).to_have_text(
        re.compile(r"95% CI 0\.\d{3}\u2013(0\.\d{3}|1\.000)")
    )
    expect(page.locator("#small-test-set")).to_contain_text("only 24 test documents")
    expect(page.locator(".metric-tile .ci-bar")).to_have_count(7)
    page.locator("#metric-tiles").screenshot(path=str(SCREENSHOTS / "performance-intervals.png"))
    assert page.evaluate(CHART_DRAWN, "curve-chart")
    page.get_by_label("Row-normalised").check()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "performance-confusions")

    page.goto("/projects/EvalNews/performance/compare/?a=hand-model&b=quick-model")
    micro = page.locator('#overall-table tr[data-figure="micro_f1"] td.delta')
    expect(micro).to_have_attribute("data-delta", re.compile(r"^-?[0-9.]+$"))
    expect(page.locator("#compare-table tbody tr")).to_have_count(3)
    assert page.evaluate(CHART_DRAWN, "compare-chart")
    expect(page.locator("#noise-headline")).to_contain_text("isn't paired")
    screenshot(page, "performance-compare")


def test_compare_says_whether_a_difference_is_larger_than_the_noise(page, trained):
    page.goto("/projects/EvalNews/performance/compare/?a=hand-model&b=hand-better")
    headline = page.locator("#noise-headline")
    expect(headline).to_contain_text("Model B's micro F1 is higher by 0.250 (95% CI")
    expect(headline).to_contain_text("larger than the noise")
    verdict = page.locator('#overall-table tr[data-figure="micro_f1"] .noise-verdict')
    expect(verdict).to_have_text("Yes: B is better")
    screenshot(page, "performance-compare-noise")


def test_compare_gives_each_class_its_own_noise_verdict(page, trained):
    page.goto("/projects/EvalNews/performance/compare/?a=hand-model&b=hand-better")
    table = page.locator("#compare-table")
    expect(table.get_by_role("columnheader", name="Δ F1 larger than the noise?")).to_be_visible()
    # Food: 6 of its 16 outcomes wrong in A, all right in B; Sport and Travel only 3 each.
    food = table.locator('tr[data-class="Food"] .noise-verdict')
    expect(food).to_contain_text("Yes: B is better")
    expect(food).to_contain_text("95% CI")
    higher = re.compile(r"^Model B's F1 on Food is higher by 0\.375")
    expect(food).to_have_attribute("title", higher)
    for name in ["Sport", "Travel"]:
        expect(table.locator(f'tr[data-class="{name}"] .noise-verdict')).to_contain_text(
            "No: within the noise"
        )
    expect(page.locator("#class-noise-legend")).to_contain_text("same paired bootstrap")
    screenshot(page, "performance-compare-class-noise")
    # Not paired: no verdict column at all rather than a misleading one.
    page.goto("/projects/EvalNews/performance/compare/?a=hand-model&b=quick-model")
    expect(page.locator("#compare-table .noise-verdict")).to_have_count(0)
    expect(page.locator("#class-noise-legend")).to_have_count(0)


def test_improve_lists_a_confident_mistake_and_retags_it(page, trained):
    page.goto("/projects/EvalNews/improve/?model=hand-model")
    expect(page.get_by_label("Model", exact=True)).to_have_value("hand-model")
    items = page.locator("#review-list li.review-item")
    expect(items).to_have_count(1)
    mistake = items.first
    expect(mistake).to_contain_text("96%")
    expect(page.locator(".suggestion-likely_mislabelled")).to_contain_text("96% sure")
    screenshot(page, "improve-mistake")

    predicted = mistake.locator(".badge.predicted").inner_text().split(" · ")[0]
    mistake.get_by_label("Tag as").select_option(label=predicted)
    mistake.get_by_role("button", name="Save tag").click()
    expect(page.locator(".toast")).to_contain_text(f"is now tagged {predicted}")
    page.reload()
    expect(page.locator("#review-list li.review-item dd").nth(1)).to_have_text(predicted)
