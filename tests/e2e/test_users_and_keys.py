"""Users and access in Chromium: an owner adds a member and changes the role on the Settings
page, creates an account whose one-time link sets its password, staff see every account on the
Users page, and regenerating a key asks first (Cancel and Esc keep it)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, seed_project

pytestmark = pytest.mark.e2e

EXAMPLES = {"Good": ["fine", "great"], "Bad": ["awful", "poor"]}


def test_owner_adds_a_member_changes_the_role_and_removes_them(page, studio):
    seed_project(studio, "TeamNews", EXAMPLES)
    studio.manage("create_user", "bob", "--password", "bob-password-4821")

    page.goto("/projects/TeamNews/settings/")
    page.get_by_label("Username or email").fill("bob")
    page.locator("#add-member-form").get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("bob is now viewer.")).to_be_visible()
    row = page.locator('tr[data-member="bob"]')
    expect(row.get_by_label("Role of bob")).to_have_value("viewer")

    row.get_by_label("Role of bob").select_option("editor")
    row.get_by_role("button", name="Change role of bob").click()
    expect(page.get_by_text("bob is now editor.")).to_be_visible()
    expect(page.locator('tr[data-member="bob"]').get_by_label("Role of bob")).to_have_value(
        "editor"
    )
    screenshot(page, "settings-members")

    # Removing asks first; Cancel keeps bob, Remove removes him.
    page.locator('tr[data-member="bob"]').get_by_role("button", name="Remove bob").click()
    dialog = page.locator("#confirm-form-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(page, "settings-remove-member-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator('tr[data-member="bob"]')).to_be_visible()
    page.locator('tr[data-member="bob"]').get_by_role("button", name="Remove bob").click()
    dialog.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("bob removed from the project.")).to_be_visible()
    expect(page.locator('tr[data-member="bob"]')).to_have_count(0)


def test_owner_creates_an_account_whose_link_sets_its_password(page, studio, browser):
    seed_project(studio, "TeamDocs", EXAMPLES)
    page.goto("/projects/TeamDocs/settings/")
    page.get_by_text("Create an account").click()
    form = page.locator("#create-account-form")
    form.get_by_label("Username").fill("carol")
    form.get_by_label("Email").fill("carol@example.com")
    form.get_by_label("Role in TeamDocs").select_option("viewer")
    screenshot(page, "settings-create-account-form")
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account carol created as viewer.")).to_be_visible()
    link = page.locator("#new-account-link").inner_text()
    assert re.fullmatch(rf"{re.escape(studio.url)}/accounts/set-password/[^/]+/[^/]+/", link)
    screenshot(page, "settings-new-account-link")

    other = browser.new_context(base_url=studio.url)
    carol = other.new_page()
    carol.goto(link)
    expect(carol.get_by_role("heading", name="Choose a password")).to_be_visible()
    screenshot(carol, "set-password")
    carol.get_by_label("New password", exact=True).fill("carol-chosen-9913")
    carol.get_by_label("The same password again").fill("carol-chosen-9913")
    carol.get_by_role("button", name="Set password").click()
    expect(carol.get_by_text("Password set: sign in with it.")).to_be_visible()
    carol.get_by_label("Username").fill("carol")
    carol.get_by_label("Password").fill("carol-chosen-9913")
    carol.get_by_role("button", name="Sign in").click()
    carol.wait_for_url("**/projects/")
    expect(carol.get_by_role("link", name="TeamDocs")).to_be_visible()
    expect(carol.get_by_role("link", name="Users")).to_have_count(0)  # not staff
    assert carol.goto("/users/").status == 403
    other.close()

    page.goto("/users/")
    row = page.locator('tr[data-user="carol"]')
    expect(row).to_contain_text("carol@example.com")
    expect(row).to_contain_text("TeamDocs viewer")
    expect(row.locator("time")).to_be_visible()  # she has signed in
    screenshot(page, "users-page")
    row.get_by_role("button", name="Deactivate carol").click()
    page.locator("#confirm-form-dialog").get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("carol is deactivated")).to_be_visible()
    expect(page.locator('tr[data-user="carol"]')).to_contain_text("deactivated")


def test_regenerating_a_key_asks_first_and_cancel_keeps_it(page, studio):
    page.goto("/keys/")
    page.get_by_role("button", name="Generate key 2").click()  # no key yet: nothing to lose
    new_key = page.get_by_test_id("new-key-2").inner_text()
    page.goto("/keys/")
    prefix = f"{new_key[:8]}…"
    expect(page.get_by_text(prefix)).to_be_visible()

    page.get_by_role("button", name="Regenerate key 2").click()
    dialog = page.locator("#confirm-form-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Regenerate key 2?")).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(page, "keys-regenerate-dialog")
    page.keyboard.press("Enter")  # Cancel has the focus
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Regenerate key 2")).to_be_focused()
    page.reload()
    expect(page.get_by_text(prefix)).to_be_visible()
    expect(page.get_by_test_id("new-key-2")).to_have_count(0)

    page.get_by_role("button", name="Revoke key 2").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_text(prefix)).to_be_visible()

    page.get_by_role("button", name="Regenerate key 2").click()
    dialog.get_by_role("button", name="Regenerate key 2").click()
    regenerated = page.get_by_test_id("new-key-2").inner_text()
    assert regenerated != new_key
