"""A person's first minutes: sign in, create a project, walk the menu, get a key — in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_create_a_project_and_walk_its_menu(page):
    page.get_by_role("link", name="+ New project").click()
    page.get_by_label("Name").fill("bad name")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("alert")).to_contain_text("no spaces")
    page.get_by_label("Name").fill("FirstSteps")
    page.get_by_label("Multi-label classification").check()
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Data", level=1)).to_be_visible()
    for item in ("Tag", "Train", "Model performance", "Improve model", "Deploy", "Test model"):
        page.get_by_role("navigation", name="Project").get_by_role("link", name=item).click()
        expect(page.get_by_role("heading", name=item, level=1)).to_be_visible()
    screenshot(page, "project-shell")
    page.goto("/projects/")
    expect(page.get_by_role("heading", name="FirstSteps")).to_be_visible()
    screenshot(page, "project-list")


def test_keys_page_generates_a_key_shown_once(page):
    page.get_by_role("link", name="Keys and endpoint").click()
    page.get_by_role("button", name="Generate key 1").click()
    key = page.get_by_test_id("new-key-1").inner_text()
    assert len(key) == 64
    screenshot(page, "keys")
    page.reload()
    expect(page.get_by_test_id("new-key-1")).to_have_count(0)
    expect(page.get_by_text(f"{key[:8]}…")).to_be_visible()
