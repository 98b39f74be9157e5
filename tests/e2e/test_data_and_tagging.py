"""Data and tagging in Chromium: upload files on the Data page, tag by keyboard only, see the
tags stored; a failed save is put back with a visible message."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

SEED = """
import json, sys
from django.contrib.auth import get_user_model
from projects.models import Class, Document, Tag
from projects.services import create_project
name, kind = sys.argv[-2], sys.argv[-1]
project = create_project(owner=get_user_model().objects.get(username="admin"), name=name, kind=kind)
classes = [("Sport", "#2b8a3e"), ("Politics", "#c92a2a"), ("Science", "#3b5bdb")]
for i, (cname, colour) in enumerate(classes):
    Class.objects.create(project=project, name=cname, colour=colour, order=i)
texts = [
    "The home side scored twice in the last ten minutes.\\n\\nFans stayed long after the whistle.",
    "Parliament passed the budget after a night of debate.",
    "A new telescope found water vapour around a distant planet.",
    "The coach was sacked after five defeats in a row.",
    "Voters queue for hours as the polls close early.",
]
for i, text in enumerate(texts):
    Document.objects.create(
        project=project, name=f"news/{i + 1:02}.txt", text=text, content_hash=str(i)
    )
"""

READ_TAGS = """
import json, sys
from projects.models import Document
docs = Document.objects.filter(project__name=sys.argv[-1]).order_by("name")
print(json.dumps({d.name: [[t.category.name for t in d.tags.all()], d.split] for d in docs}))
"""


def seed(studio, name, kind="single_label"):
    studio.manage("shell", "-c", SEED.replace("sys.argv[-2], sys.argv[-1]", f"{name!r}, {kind!r}"))


def stored(studio, name):
    out = studio.manage("shell", "-c", READ_TAGS.replace("sys.argv[-1]", repr(name)))
    return json.loads(out.strip().splitlines()[-1])


def test_tag_documents_with_the_keyboard_only(page, studio):
    seed(studio, "KeyboardNews")
    page.goto("/projects/KeyboardNews/tag/")
    expect(page.get_by_role("heading", name="news/01.txt")).to_be_visible()
    page.get_by_label("Advance automatically").uncheck()  # this test moves by itself
    screenshot(page, "tag-view")
    page.keyboard.press("1")  # Sport, then moves on by J
    expect(page.get_by_role("button", name="Sport")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    screenshot(page, "tag-saved")
    page.keyboard.press("j")
    expect(page.get_by_role("heading", name="news/02.txt")).to_be_visible()
    page.keyboard.press("2")
    page.keyboard.press("s")  # split: auto -> train
    expect(page.get_by_label("Train")).to_be_checked()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("3")
    page.keyboard.press("1")  # single-label: replaces Science with Sport
    expect(page.get_by_role("button", name="Science")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("u")  # undo: back to Science
    expect(page.get_by_role("button", name="Science")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("k")
    expect(page.get_by_role("heading", name="news/02.txt")).to_be_visible()
    page.keyboard.press("n")  # next untagged: news/04
    expect(page.get_by_role("heading", name="news/04.txt")).to_be_visible()
    expect(page.locator("[data-counter-tagged]")).to_have_text("3")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    screenshot(page, "tag-shortcuts")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    tags = stored(studio, "KeyboardNews")
    assert tags["news/01.txt"] == [["Sport"], "auto"]
    assert tags["news/02.txt"] == [["Politics"], "train"]
    assert tags["news/03.txt"] == [["Science"], "auto"]
    assert tags["news/04.txt"] == [[], "auto"]


def test_a_tag_pressed_while_the_document_loads_is_kept(page, studio):
    """The document's text arrives after the key was pressed: the answer, read before the tag
    was saved, must not put the old (untagged) state back on screen."""
    seed(studio, "SlowNews")
    held = []

    def hold_document_reads(route):
        if route.request.method == "GET":
            held.append((route, route.fetch()))  # read now, delivered below after the key
        else:
            route.continue_()

    page.route(re.compile(r".*/api/projects/SlowNews/documents/\d+$"), hold_document_reads)
    page.goto("/projects/SlowNews/tag/")
    expect(page.get_by_role("heading", name="news/01.txt")).to_be_visible()
    page.get_by_label("Advance automatically").uncheck()
    page.keyboard.press("j")
    expect(page.get_by_role("heading", name="news/02.txt")).to_be_visible()
    expect(page.locator("[data-doc-text]")).to_have_text("Loading…")
    page.keyboard.press("2")
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    assert held, "the document's text was not requested"
    for route, response in held:
        route.fulfill(response=response)
    expect(page.locator("[data-doc-text]")).to_contain_text("Parliament passed the budget")
    expect(page.get_by_role("button", name="Politics")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-counter-tagged]")).to_have_text("1")
    screenshot(page, "tag-text-after-key")
    assert stored(studio, "SlowNews")["news/02.txt"] == [["Politics"], "auto"]


def test_multi_label_keys_toggle_classes(page, studio):
    seed(studio, "MultiNews", "multi_label")
    page.goto("/projects/MultiNews/tag/")
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("1")
    expect(page.get_by_role("button", name="Politics")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Sport")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    assert stored(studio, "MultiNews")["news/01.txt"] == [["Politics"], "auto"]


def test_a_failed_save_is_put_back_with_a_message(page, studio):
    seed(studio, "FailingNews")
    busy = {"error": {"code": "ServiceUnavailable", "message": "The database is busy"}}
    page.route("**/tags", lambda route: route.fulfill(
        status=503, content_type="application/json", body=json.dumps(busy)
    ))  # fmt: skip
    page.goto("/projects/FailingNews/tag/")
    page.keyboard.press("2")
    expect(page.locator("[data-save-state]")).to_contain_text("Not saved: The database is busy")
    expect(page.get_by_role("button", name="Politics")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-counter-tagged]")).to_have_text("0")
    screenshot(page, "tag-save-failed")


def test_data_page_and_distribution(page, studio):
    seed(studio, "DataNews")
    page.goto("/projects/DataNews/data/")
    expect(page.get_by_role("heading", name="Bring documents in")).to_be_visible()
    expect(page.get_by_text("128,000 characters")).to_be_visible()
    screenshot(page, "data-page")
    page.get_by_role("link", name="Data distribution").click()
    expect(page.get_by_text("Sport has no tagged documents")).to_be_visible()
    screenshot(page, "distribution")


def test_upload_txt_files_on_the_data_page(page, studio, tmp_path):
    seed(studio, "UploadNews")
    files = []
    for i in range(3):
        path = tmp_path / f"upload-{i}.txt"
        path.write_text(f"Uploaded document number {i}.")
        files.append(path)
    (tmp_path / "empty.txt").write_text("")
    files.append(tmp_path / "empty.txt")
    page.goto("/projects/UploadNews/data/")
    table = page.locator("[data-documents-section] table")
    expect(table.locator("tbody tr")).to_have_count(5)
    page.evaluate("window.notReloaded = true")
    page.set_input_files("#files", [str(p) for p in files])
    page.get_by_role("button", name="Import 4 files").click()
    report = page.locator("[data-import-report]")
    expect(report).to_contain_text("3 documents imported")
    expect(report).to_contain_text("empty.txt")
    # The table and the count follow by themselves: no reload, no link to press.
    expect(table.get_by_role("link", name="upload-0.txt")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(8)
    expect(page.locator("[data-project-counts]")).to_contain_text("8 documents")
    expect(report.get_by_role("link")).to_have_count(0)
    expect(report).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    # The fresh table's controls work: selecting a row enables the bulk actions.
    table.get_by_label("Select upload-1.txt").check()
    expect(page.locator("[data-selection-label]")).to_have_text("1 selected")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top of the full page
    screenshot(page, "data-import-report")
    assert "upload-0.txt" in stored(studio, "UploadNews")
