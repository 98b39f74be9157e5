"""The Deploy page's hand-off in Chromium: for the chosen deployment it shows the prediction URL,
the curl and Python samples and the key to use, and the copy buttons copy (or, without a
clipboard, select the text and say how to copy it). Deleting a deployment asks first, in the
studio's own dialog."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, screenshot, seed_project

pytestmark = pytest.mark.e2e

# Deployment rows over a model row: the page lists them and never loads the model.
SEED_DEPLOYMENTS = """
from django.utils import timezone
from projects.models import Project
from training.models import Deployment, TrainedModel
project = Project.objects.get(name=NAME)
model = TrainedModel.objects.create(project=project, name="model-a", version=1,
    artifact_path="/nowhere/v1", evaluation={"micro_f1": 0.9}, trained_at=timezone.now())
for name in ("production", "staging"):
    Deployment.objects.create(project=project, name=name, model=model, model_version=1,
        artifact_path="/nowhere/v1")
"""


@pytest.fixture(scope="module")
def handoff_project(studio):
    seed_project(studio, "HandoffNews", {"Good": ["fine", "great"], "Bad": ["awful", "poor"]})
    studio.manage("shell", "-c", 'NAME = "HandoffNews"\n' + SEED_DEPLOYMENTS)
    return "HandoffNews"


def test_deploy_page_hands_off_the_chosen_deployment_and_copies(page, studio, handoff_project):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=studio.url)
    page.goto(f"/projects/{handoff_project}/deploy/")
    url = page.locator("#handoff-url")
    expect(url).to_have_text(f"{studio.url}/language/analyze-text/jobs?api-version=2024-11-01")
    expect(page.locator("#handoff-curl")).to_contain_text('"deploymentName": "production"')
    expect(page.locator("#handoff-curl")).to_contain_text("Ocp-Apim-Subscription-Key: $STUDIO_KEY")
    expect(page.locator("#handoff-python")).to_contain_text("begin_single_label_classify(")
    expect(
        page.locator("#handoff-key").get_by_role("link", name="Keys and endpoint")
    ).to_be_visible()

    page.get_by_label("Deployment", exact=True).select_option("staging")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#handoff-python")).to_contain_text('deployment_name="staging"')
    expect(page.locator("#handoff-curl")).to_contain_text('"deploymentName": "staging"')

    page.get_by_role("button", name="Copy curl").first.click()
    status = page.locator("#handoff-curl").locator("xpath=../..").locator("[data-copy-status]")
    expect(status).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#handoff-curl").inner_text()
    assert '"deploymentName": "staging"' in copied
    page.locator("#handoff").scroll_into_view_if_needed()
    screenshot(page, "deploy-handoff")


def test_without_a_clipboard_the_copy_button_selects_and_says_how(page, handoff_project):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.goto(f"/projects/{handoff_project}/deploy/")
    page.get_by_role("button", name="Copy URL").click()
    expect(page.get_by_text("Selected: press Ctrl+C")).to_be_visible()
    selected = page.evaluate("window.getSelection().toString()")
    assert selected == page.locator("#handoff-url").inner_text()


def test_deleting_a_deployment_asks_in_the_studio_dialog(page, studio):
    seed_project(studio, "DeleteDeployNews", {"Good": ["fine"], "Bad": ["awful"]})
    studio.manage("shell", "-c", 'NAME = "DeleteDeployNews"\n' + SEED_DEPLOYMENTS)
    page.on("dialog", lambda native: pytest.fail(f"a native dialog opened: {native.message}"))
    page.goto("/projects/DeleteDeployNews/deploy/")
    staging = page.locator('tr[data-deployment="staging"]')
    delete = staging.get_by_role("button", name="Delete")
    dialog = page.locator("#confirm-form-dialog")

    delete.click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Delete the deployment staging?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    expect(dialog.locator("[data-confirm-ok]")).to_have_text("Delete staging")
    expect(dialog.locator("[data-confirm-ok]")).to_have_class("button danger")
    page.screenshot(path=str(SCREENSHOTS / "deploy-delete-dialog.png"))  # the viewport, as seen
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    delete.click()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(staging).to_be_visible()

    staging.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete staging").click()
    expect(staging).to_have_count(0)
    expect(page.locator('tr[data-deployment="production"]')).to_be_visible()
