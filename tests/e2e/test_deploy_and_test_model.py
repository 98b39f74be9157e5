"""Deploy and Test model in Chromium: a real quick-mode model (MiniLM embeddings and a linear
head, trained by the studio's own training worker) is deployed on the Deploy page, then the Test
model page classifies pasted text and shows the class, confidence bars and the time taken."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, seed_project

pytestmark = pytest.mark.e2e

EXAMPLES = {
    "Sport": ["The team won the football match", "A late goal decided the final",
              "The striker scored twice", "The coach praised the defence after the win",
              "Tennis star reaches the semi-final", "The runner broke the national record"],
    "Food": ["This pasta recipe is delicious", "Bake the bread for twenty minutes",
             "A tasty soup with garlic and onions", "Add salt and pepper to the sauce",
             "The chef roasted the vegetables", "Chocolate cake with fresh berries"],
}  # fmt: skip


def test_deploy_a_trained_model_and_try_it_on_the_test_model_page(page, studio):
    trained = seed_project(studio, "DeployNews", EXAMPLES, train_model="quick-model")
    assert (trained["status"], trained["version"]) == ("succeeded", 1)

    page.goto("/projects/DeployNews/test/")
    expect(page.get_by_role("heading", name="No deployment yet")).to_be_visible()

    page.goto("/projects/DeployNews/deploy/")
    expect(page.get_by_text("No deployments yet.")).to_be_visible()
    page.get_by_label("Deployment name").fill("production")
    page.get_by_label("Trained model").select_option("quick-model")
    page.get_by_role("button", name="Deploy", exact=True).click()
    row = page.locator('tr[data-deployment="production"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("quick-model v1")
    screenshot(page, "deploy-page")

    page.goto("/projects/DeployNews/test/")
    page.get_by_label("Deployment", exact=True).select_option("production")
    page.get_by_label("Text", exact=True).fill(
        "What a match: the home side scored three goals in the final."
    )
    page.get_by_role("button", name="Classify").click()
    predicted = page.locator("#test-classes li")
    expect(predicted).to_have_count(1, timeout=30_000)  # a cold model loads in seconds
    expect(predicted).to_contain_text("Sport")
    bar = page.get_by_role("meter", name="Sport confidence").first
    expect(bar).to_be_visible()
    assert float(bar.get_attribute("aria-valuenow")) > 50
    expect(page.locator("#test-alternatives li")).to_have_count(1)  # Food: the rest, ranked
    expect(page.locator("#test-time")).to_contain_text("Time taken:")
    expect(page.locator("#test-error")).to_be_hidden()
    screenshot(page, "test-model-sport")

    page.get_by_label("Text", exact=True).fill(
        "Simmer the tomato sauce with basil, then pour it over the pasta."
    )
    page.get_by_role("button", name="Classify").click()
    expect(predicted).to_contain_text("Food")
    screenshot(page, "test-model-food")

    page.get_by_label("Text", exact=True).fill("   ")
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#test-error")).to_have_text("Document text is empty.")
    expect(page.locator("#test-answer")).to_be_hidden()


def test_open_the_demo_project_from_the_project_list(page, studio):
    page.goto("/projects/")
    page.get_by_role("button", name="Open a demo project").click()
    page.wait_for_url("**/projects/Demo-Support-Tickets/data/")
    expect(page.get_by_role("heading", name="Demo-Support-Tickets")).to_be_visible()
    page.goto("/projects/")
    expect(page.get_by_role("link", name="Demo-Support-Tickets")).to_be_visible()
    screenshot(page, "project-list-with-demo")
