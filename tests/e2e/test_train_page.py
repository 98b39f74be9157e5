"""The Train page in Chromium: train a new model and watch it live (progress, phase, result,
no reload), then retrain it through the overwrite dialog, where Escape changes nothing; a job
queued behind another project's shows its place, then each phase as it happens."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, seed_project

pytestmark = pytest.mark.e2e

EXAMPLES = {
    "Sport": ["The striker scored twice in the derby", "A late goal won the cup final",
              "The coach praised his defenders", "Tennis star wins in straight sets",
              "The marathon record fell on Sunday", "The goalkeeper saved a penalty",
              "Cyclists climbed the last mountain stage"],
    "Food": ["Simmer the tomato sauce with basil", "Bake the bread for twenty minutes",
             "A rich chocolate cake for dessert", "Fry the onions in butter until golden",
             "The chef makes fresh pasta every day", "Roast the chicken with lemon",
             "Season the soup with salt and pepper"],
    "Science": ["The telescope found water on a distant planet", "Cells divide during mitosis",
                "A new element was added to the periodic table", "The probe landed on a comet",
                "Physicists measured the mass of the neutrino", "Vaccines train the immune system"],
}  # fmt: skip


WATCH = """() => {
  window.seenPercents = []; window.seenPhases = [];
  const bar = document.getElementById("live-progress");
  const phase = document.getElementById("live-phase");
  new MutationObserver(() => window.seenPercents.push(Number(bar.getAttribute("aria-valuenow"))))
    .observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
  new MutationObserver(() => window.seenPhases.push(phase.textContent))
    .observe(phase, { childList: true, characterData: true, subtree: true });
  window.notReloaded = true;
}"""

# Module scripts run before DOMContentLoaded, so this counts what changes the history after the
# page's first paint: the socket's snapshot of unchanged jobs must change nothing.
WATCH_ROWS = """document.addEventListener("DOMContentLoaded", () => {
  window.rowChanges = 0;
  const body = document.querySelector("#jobs-table tbody");
  new MutationObserver((changes) => { window.rowChanges += changes.length; })
    .observe(body, { childList: true, subtree: true, characterData: true });
});"""


def test_train_watch_live_then_retrain_through_the_overwrite_dialog(page, studio):
    seed_project(studio, "TrainNews", EXAMPLES)
    page.goto("/projects/TrainNews/train/")
    expect(page.get_by_role("heading", name="Readiness")).to_be_visible()
    expect(page.locator("#evaluation-note")).to_contain_text("Evaluation will run")
    expect(page.locator("#live-connection")).to_have_text("live")
    screenshot(page, "train-ready")

    # The name rules are checked inline before anything is sent.
    page.get_by_label("New model name").fill("my model")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.locator("#model-name-error")).to_contain_text("Spaces are not allowed")

    page.get_by_label("New model name").fill("news-model")
    page.evaluate(WATCH)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_disabled()
    expect(page.locator("#train-blocked")).to_contain_text(
        re.compile("A training job is (queued|running)")
    )
    result = page.locator("#live-result .result")
    expect(result).to_contain_text("Training of news-model succeeded", timeout=120_000)
    expect(result.get_by_role("link", name="See its evaluation")).to_have_attribute(
        "href", "/projects/TrainNews/performance/?model=news-model"
    )
    expect(result).to_contain_text("F1")
    assert page.evaluate("window.notReloaded") is True
    percents = page.evaluate("window.seenPercents")
    phases = page.evaluate("window.seenPhases")
    assert any(0 < p < 100 for p in percents), percents
    assert percents[-1] == 100
    assert len(set(phases)) >= 3, phases
    expect(page.locator("#live-progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#jobs-table tbody tr")).to_have_count(1)
    expect(page.locator("#jobs-table tbody tr").first).to_contain_text("Succeeded")
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar would sit mid-page otherwise
    screenshot(page, "train-succeeded")
    # The new model joined the Model name list without a reload.
    expect(page.get_by_label("Model name", exact=True)).to_have_value("news-model")

    # Without its script the page shows the same history, the badge colored by CSS alone.
    page.route("**/js/train*.js", lambda route: route.abort())
    page.reload()
    badge = page.locator("#jobs-table tbody tr").first.locator(".badge")
    expect(badge).to_have_text("Succeeded")
    expect(badge).to_have_css("background-color", "rgb(230, 244, 234)")  # --ok-soft
    screenshot(page, "train-history-without-script")
    page.unroute("**/js/train*.js")

    # Retrain the same model: the dialog names its date and F1; Escape changes nothing.
    page.add_init_script(WATCH_ROWS)
    page.reload()
    expect(page.locator("#live-connection")).to_have_text("live")
    expect(badge).to_have_css("background-color", "rgb(230, 244, 234)")
    assert page.evaluate("window.rowChanges") == 0
    page.get_by_label("Model name", exact=True).select_option("news-model")
    expect(page.get_by_label("New model name")).to_be_hidden()
    page.get_by_role("button", name="Train", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("news-model was last trained on")
    expect(dialog).to_contain_text("F1 ")
    screenshot(page, "train-overwrite-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(500)
    expect(page.locator("#jobs-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()

    page.get_by_role("button", name="Train", exact=True).click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Overwrite and train").click()
    expect(page.locator("#jobs-table tbody tr")).to_have_count(2)
    expect(page.locator("#live-result .result")).to_contain_text(
        "Training of news-model succeeded", timeout=120_000
    )
    expect(page.locator("#jobs-table tbody tr").first).to_contain_text("Succeeded")


# Runs in `manage.py shell`: a standard training (100 epochs of 16 documents: a minute or more)
# in project BUSY, waited for until the worker runs it; prints its job id.
START_BUSY = """
import time
from django.contrib.auth import get_user_model
from projects.models import Project
from training.services import start_training
admin = get_user_model().objects.get(username="admin")
project = Project.objects.get(name=BUSY)
job = start_training(project=project, model_name="slow", user=admin, mode="standard")
deadline = time.monotonic() + 60
while job.status != "running" and time.monotonic() < deadline:
    time.sleep(0.2)
    job.refresh_from_db()
print(job.job_id)
"""

CANCEL = """
from training.models import TrainingJob
from training.services import cancel_job
cancel_job(TrainingJob.objects.get(job_id=JOB))
"""

# Each text the phase shows, with the percent and time left shown beside it at that moment.
WATCH_PHASES = """() => {
  window.phaseRows = [];
  const phase = document.getElementById("live-phase");
  const cell = (id) => document.getElementById(id).textContent;
  new MutationObserver(() => window.phaseRows.push([cell("live-phase"), cell("live-percent"),
    cell("live-eta")])).observe(phase, { childList: true, characterData: true, subtree: true });
}"""

PHASES_IN_ORDER = [
    "Preparing the data…",
    "Loading the base model…",
    "Embedding the documents",
    "Training the classifier",
    "Evaluating on the validation and test documents",
    "Saving the model…",
    "Succeeded",
]


def test_a_job_queued_behind_another_project_shows_its_place_then_each_phase(page, studio):
    seed_project(studio, "TrainBusy", EXAMPLES)
    seed_project(studio, "TrainQueued", EXAMPLES)
    busy = studio.manage("shell", "-c", f"BUSY = 'TrainBusy'\n{START_BUSY}").split()[-1]
    page.goto("/projects/TrainQueued/train/")
    expect(page.locator("#live-connection")).to_have_text("live")

    # Before Train: standard mode says how long it will take, as an estimate.
    estimate = page.locator("#standard-estimate")
    expect(estimate).to_be_hidden()
    page.get_by_label("Standard (fine-tuned encoder, minutes)").check()
    expect(estimate).to_contain_text("Expected duration: ")
    expect(estimate).to_contain_text("on this machine's CPU, an estimate for 100 epochs")
    page.get_by_label("Quick (frozen encoder, seconds)").check()
    expect(estimate).to_be_hidden()

    page.get_by_label("New model name").fill("queued-model")
    page.evaluate(WATCH_PHASES)
    page.get_by_role("button", name="Train", exact=True).click()
    phase = page.locator("#live-phase")
    expect(phase).to_have_text(
        "Queued, position 1: another project's job is training now", timeout=15_000
    )
    expect(page.locator("#live-percent")).to_have_text("—")
    expect(page.locator("#live-elapsed")).to_have_text("—")
    screenshot(page, "train-queued")

    studio.manage("shell", "-c", f"JOB = {busy!r}\n{CANCEL}")
    result = page.locator("#live-result .result")
    expect(result).to_contain_text("Training of queued-model succeeded", timeout=180_000)
    rows = page.evaluate("window.phaseRows")
    shown = [text for i, (text, _, _) in enumerate(rows) if i == 0 or rows[i - 1][0] != text]
    assert shown[0].startswith("Queued, position 1"), shown
    assert [text for text in shown if not text.startswith("Queued")] == PHASES_IN_ORDER, shown
    # Percent and time left only where they measure something: never while loading or saving.
    for text, percent, eta in rows:
        if text in ("Loading the base model…", "Saving the model…") or text.startswith("Queued"):
            assert (percent, eta) == ("—", "—"), (text, percent, eta)
    assert not any("epoch 0" in text for text, _, _ in rows)
