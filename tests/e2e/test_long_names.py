"""Long names in Chromium: a project whose project, class, model, deployment and document names
are all 50 characters long renders every project page at 1,440 and 1,024 px without horizontal
overflow, and the class delete dialog keeps its Cancel button on screen."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, screenshot, seed_project

pytestmark = pytest.mark.e2e

# 50 characters each, without a space to break at: the worst case for a layout.
PROJECT = "Long-project-name-" + "p" * 32
MODEL = "long-model-name-" + "m" * 34
DEPLOYMENT = "long-deployment-name-" + "d" * 29
DOCUMENT = "long-document-name-" + "x" * 27 + ".txt"
CLASSES = ["Sport" + "s" * 45, "Food" + "f" * 46, "Travel" + "t" * 44]

EXAMPLES = {
    CLASSES[0]: ["The team won the football match", "A late goal decided the final",
                 "The striker scored twice", "The coach praised the defence after the win",
                 "Tennis star reaches the semi-final", "The runner broke the national record"],
    CLASSES[1]: ["This pasta recipe is delicious", "Bake the bread for twenty minutes",
                 "A tasty soup with garlic and onions", "Add salt and pepper to the sauce",
                 "The chef roasted the vegetables", "Chocolate cake with fresh berries"],
    CLASSES[2]: ["Our flight to Lisbon was delayed", "The hotel had a view of the harbour",
                 "Pack light for a week in the mountains", "The train crossed the Alps at dawn",
                 "We rented a car to tour the coast", "The museum pass saved us money"],
}  # fmt: skip

# A 50-character document and a deployment of the trained model, through the services.
EXTRAS = f"""
from projects.models import Class, Project
from projects.services import create_document
from training.deployments import deploy_model
project = Project.objects.get(name={PROJECT!r})
category = Class.objects.get(project=project, name={CLASSES[0]!r})
create_document(project, name={DOCUMENT!r}, text="A long-named match report.", classes=[category])
deploy_model(project=project, name={DEPLOYMENT!r}, model_name={MODEL!r})
"""

PAGES = {
    "list": "/projects/",
    "data": f"/projects/{PROJECT}/data/",
    "data-tagged": f"/projects/{PROJECT}/data/?show=tagged",
    "distribution": f"/projects/{PROJECT}/data/distribution/",
    "tag": f"/projects/{PROJECT}/tag/",
    "train": f"/projects/{PROJECT}/train/",
    "performance": f"/projects/{PROJECT}/performance/",
    "model": f"/projects/{PROJECT}/performance/{MODEL}/",
    "compare": f"/projects/{PROJECT}/performance/compare/?a={MODEL}&b={MODEL}",
    "improve": f"/projects/{PROJECT}/improve/",
    "deploy": f"/projects/{PROJECT}/deploy/",
    "test": f"/projects/{PROJECT}/test/",
    "settings": f"/projects/{PROJECT}/settings/",
}

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

# Every element wider than the window or sticking out of its right edge, for the failure message.
CULPRITS = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`)"""


@pytest.fixture(scope="module")
def long_project(studio):
    trained = seed_project(studio, PROJECT, EXAMPLES, train_model=MODEL)
    assert trained["status"] == "succeeded"
    studio.manage("shell", "-c", EXTRAS)
    return trained


@pytest.mark.parametrize("width", [1440, 1024])
def test_every_project_page_fits_the_window_with_fifty_character_names(page, long_project, width):
    page.set_viewport_size({"width": width, "height": 900})
    overflowing = {}
    for name, path in PAGES.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        extra = page.evaluate(OVERFLOW)
        if extra > 0:
            overflowing[name] = (extra, page.evaluate(CULPRITS))
        screenshot(page, f"long-names-{width}-{name}")
    assert overflowing == {}


def test_long_names_are_cut_with_the_full_name_on_hover(page, long_project):
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"/projects/{PROJECT}/data/")
    name = page.locator("[data-class-row] .name").first
    expect(name).to_have_attribute("title", CLASSES[0])
    assert name.evaluate("(el) => el.scrollWidth > el.clientWidth")  # cut, with an ellipsis
    assert name.evaluate("(el) => getComputedStyle(el).textOverflow") == "ellipsis"

    page.goto(f"/projects/{PROJECT}/deploy/")
    expect(page.locator(f'[title="{DEPLOYMENT}"]').first).to_be_visible()
    expect(page.locator(f'[title="{MODEL}"]').first).to_be_visible()


@pytest.mark.parametrize("width", [1440, 1024])
def test_the_class_delete_dialog_keeps_cancel_on_screen(page, long_project, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/projects/{PROJECT}/data/")
    page.locator("[data-class-row]").first.get_by_role("button", name="Delete").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    cancel = dialog.get_by_role("button", name="Cancel")
    expect(cancel).to_be_visible()
    box = cancel.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    ok = dialog.locator("[data-confirm-ok]").bounding_box()
    assert ok["x"] + ok["width"] <= width
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(SCREENSHOTS / f"long-names-{width}-delete-dialog.png"))
    cancel.click()
    expect(dialog).to_be_hidden()


def test_the_class_form_says_when_a_name_reaches_fifty_characters(page, long_project):
    page.goto(f"/projects/{PROJECT}/data/")
    name = page.get_by_label("New class")
    counter = page.locator("#new-class-count")
    name.fill("Short")
    expect(counter).to_have_text("5/50")
    name.press_sequentially("y" * 60)
    expect(name).to_have_value("Short" + "y" * 45)
    expect(counter).to_contain_text("50/50")
    expect(counter).to_contain_text("at most 50 characters")


def test_the_class_rename_dialog_counts_characters_up_to_fifty(page, long_project):
    page.goto(f"/projects/{PROJECT}/data/")
    page.locator("[data-class-row]").first.get_by_role("button", name="Rename").click()
    dialog = page.locator("#confirm-dialog")
    name = dialog.get_by_label("New name")
    counter = dialog.locator("#rename-count")
    expect(counter).to_contain_text("50/50")  # the current name is already 50 long
    expect(counter).to_contain_text("at most 50 characters")
    expect(name).to_have_attribute("aria-describedby", "rename-count")
    name.fill("Short")
    expect(counter).to_have_text("5/50")
    name.press_sequentially("y" * 60)
    expect(name).to_have_value("Short" + "y" * 45)
    expect(counter).to_have_text("50/50 · a class name has at most 50 characters")
    page.screenshot(path=str(SCREENSHOTS / "long-names-rename-dialog.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_new_classes_get_colours_not_used_yet(page, long_project):
    page.goto(f"/projects/{PROJECT}/data/")
    used = {
        row.get_attribute("value")
        for row in page.locator("[data-class-row] input[type=color]").all()
    }
    for name in ["Added one", "Added two"]:
        page.get_by_label("New class").fill(name)
        page.get_by_role("button", name="Add class").click()
        expect(page.locator(f'[data-class-row][data-class-name="{name}"]')).to_be_visible()
        colour = page.locator(
            f'[data-class-row][data-class-name="{name}"] input[type=color]'
        ).get_attribute("value")
        assert colour not in used
        used.add(colour)


def test_the_import_report_fits_and_the_progress_bar_ends_full(page, long_project):
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"/projects/{PROJECT}/data/")
    bad = "Bad:class/name#" + "z" * 35
    # More rows than the page imports inline, so a worker runs the import and the page polls it.
    rows = "".join(f'"Row {i} text",{bad}\n' for i in range(3))
    rows += "".join(f'"Another row {i}",{CLASSES[1]}\n' for i in range(400))
    page.locator("#files").set_input_files(
        files=[{"name": "rows.csv", "mimeType": "text/csv",
                "buffer": f"text,label\n{rows}".encode()}]
    )  # fmt: skip
    page.get_by_role("button", name="Import 1 file").click()
    expect(page.locator("[data-import-status]")).to_have_text("Done.", timeout=60_000)
    expect(page.locator("[data-import-report]")).to_be_visible()
    page.wait_for_timeout(500)  # the bar's width transition
    bar = page.locator("[data-import-bar]")
    track = page.locator(".import-progress .progress")
    assert bar.bounding_box()["width"] >= track.bounding_box()["width"] - 1
    expect(track).to_have_attribute("aria-valuenow", "100")
    assert page.evaluate(OVERFLOW) <= 0
    page.locator(".upload-card").screenshot(path=str(SCREENSHOTS / "long-names-import-report.png"))

    repair = page.get_by_label("Repair class names", exact=False)
    text_box = repair.locator("xpath=..").bounding_box()
    assert text_box["height"] < 80  # one paragraph, not a column of codes
