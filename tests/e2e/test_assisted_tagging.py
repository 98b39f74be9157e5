"""Assisted tagging in Chromium after one real quick training: the Tag page shows the model's
suggestion, Enter accepts it and moves on, a class key overrides it, the page walks the tag-next
queue, and the Improve page's likely-mislabelled view fixes a tag with one key."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PROJECT = "AssistNews"

# One project, one training for the whole module: tagged documents in three classes (one sport
# document tagged Cooking on purpose), untagged ones for the queue; waits for the worker's lists.
SEED = """
import json, time
from django.contrib.auth import get_user_model
from projects.models import Class, Document
from projects.services import create_document, create_project
from projects.models import AssistState
from training.models import TrainingJob
from training.services import start_training
admin = get_user_model().objects.get(username="admin")
project = create_project(owner=admin, name=NAME, kind="single_label")
classes = {}
for order, (name, texts) in enumerate(TAGGED.items()):
    classes[name] = Class.objects.create(project=project, name=name, order=order)
for name, texts in TAGGED.items():
    for i, text in enumerate(texts):
        create_document(project, name=f"{name}-{i}.txt", text=text, classes=[classes[name]])
create_document(project, name="wrong.txt", text=WRONG, classes=[classes["Cooking"]])
for i, text in enumerate(UNTAGGED):
    create_document(project, name=f"new-{i:02}.txt", text=text, classes=[])
job = start_training(project=project, model_name="m", user=admin, mode="quick")
deadline = time.monotonic() + 300
state = None
while time.monotonic() < deadline:
    job.refresh_from_db()
    state = AssistState.objects.filter(project=project).first()
    if job.status in ("failed", "cancelled"):
        break
    if state and state.mislabelled_computed_at and state.queue_computed_at and state.queue_model:
        break
    time.sleep(1)
print(json.dumps({"status": job.status, "queue": bool(state and state.queue),
                  "mislabelled": bool(state and state.mislabelled_computed_at)}))
"""

TAGGED = {
    "Sport": [
        "The striker scored twice in the second half of the derby",
        "The goalkeeper saved a penalty in the final minute",
        "The tennis champion won the final in straight sets",
        "The coach praised the defence after a clean sheet",
        "The runner broke the world record in the marathon",
        "The team lifted the cup after extra time and penalties",
    ],
    "Politics": [
        "Parliament passed the budget after a long debate",
        "The minister resigned after the election defeat",
        "Voters queued for hours as the polls closed",
        "The senate rejected the new tax bill",
        "The president signed a treaty with the neighbours",
        "The opposition party called for a vote of no confidence",
    ],
    "Cooking": [
        "Whisk the eggs and fold in the flour gently",
        "Roast the lamb with rosemary and garlic for two hours",
        "Simmer the tomato sauce with basil and olive oil",
        "Knead the dough and let the bread rise overnight",
        "Fry the onions in butter until golden",
        "Season the soup with salt, pepper and fresh thyme",
    ],
}
WRONG = "The midfielder scored a late winner and the fans sang in the stadium"
UNTAGGED = [
    "The defender was sent off in the cup final",
    "The keeper caught the cross in the last minute of the match",
    "Bake the cake for forty minutes and let it cool",
    "The government announced new elections for the spring",
    "Chop the garlic and stir it into the pan with the oil",
    "The cyclist won the mountain stage of the tour",
    "The prime minister met union leaders about the strike",
    "Grill the fish and serve it with lemon",
    "The referee stopped the game after the crowd trouble",
    "Lawmakers debated the health bill until midnight",
]

READ_TAGS = """
import json
from projects.models import Document
docs = Document.objects.filter(project__name=NAME).order_by("name")
print(json.dumps({d.name: [t.category.name for t in d.tags.all()] for d in docs}))
"""


def stored(studio, project: str = PROJECT) -> dict[str, list[str]]:
    """Each document's stored tags (class names) by document name, read from the database."""
    out = studio.manage("shell", "-c", f"NAME = {project!r}\n" + READ_TAGS)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(studio) -> dict:
    values = (
        f"NAME = {PROJECT!r}\nTAGGED = {json.dumps(TAGGED)}\nWRONG = {WRONG!r}\n"
        f"UNTAGGED = {json.dumps(UNTAGGED)}\n"
    )
    out = studio.manage("shell", "-c", values + SEED)
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer == {"status": "succeeded", "queue": True, "mislabelled": True}, answer
    return answer


def queue_names(page) -> list[str]:
    """The untagged documents' names in the tag-next queue's order, as the API answers now."""
    return [name for _, name in queue_documents(page)]


def queue_documents(page) -> list[tuple[int, str]]:
    queue = page.request.get(f"/api/projects/{PROJECT}/tag-queue?limit=50").json()
    assert queue["strategy"] == "active", queue
    found = []
    for item in queue["items"]:
        doc = page.request.get(f"/api/projects/{PROJECT}/documents/{item['document_id']}").json()
        found.append((doc["id"], doc["name"]))
    return found


def suggestion_of(page, doc_id: int) -> str:
    answer = page.request.get(f"/api/projects/{PROJECT}/suggestions?document_ids={doc_id}").json()
    return answer["items"][0]["suggested"][0]


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def test_the_tag_page_walks_the_queue_in_order_after_a_training(trained, page, studio):
    names = queue_names(page)
    assert len(names) >= 3
    page.goto(f"/projects/{PROJECT}/tag/")
    expect(page.locator("[data-filter-label]")).to_contain_text(
        "Order: most useful first (active learning)"
    )
    expect(page.get_by_label("Order")).to_have_value("queue")
    for name in names[:4]:
        expect(heading(page, name)).to_be_visible()
        page.keyboard.press("j")
    # The old order is one choice away.
    page.get_by_label("Order").select_option("list")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-filter-label]")).to_contain_text("Order: document order")


def test_enter_accepts_the_suggestion_and_moves_to_the_next_document(trained, page, studio):
    (first_id, first), (_, second) = queue_documents(page)[:2]
    wanted = suggestion_of(page, first_id)
    page.goto(f"/projects/{PROJECT}/tag/")
    expect(heading(page, first)).to_be_visible()
    box = page.get_by_role("region", name="Suggested classes")
    expect(box).to_be_visible()
    expect(box).to_contain_text(wanted)
    expect(box).to_contain_text("%")
    expect(page.get_by_role("button", name=wanted)).to_have_attribute("aria-pressed", "false")
    assert stored(studio)[first] == []  # shown, not stored
    screenshot(page, "assist-suggestion")
    page.keyboard.press("Enter")
    expect(heading(page, second)).to_be_visible()
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    expect(box).to_be_visible()  # the next document's suggestion, prefetched
    screenshot(page, "assist-accepted-next")
    assert stored(studio)[first] == [wanted]


def test_a_class_key_overrides_the_suggestion_and_auto_advance_turns_off(trained, page, studio):
    (first_id, first), (_, second) = queue_documents(page)[:2]
    wanted = suggestion_of(page, first_id)
    other_key, other = next((str(i + 1), name) for i, name in enumerate(TAGGED) if name != wanted)
    page.goto(f"/projects/{PROJECT}/tag/")
    expect(heading(page, first)).to_be_visible()
    expect(page.get_by_role("region", name="Suggested classes")).to_be_visible()
    page.keyboard.press(other_key)
    expect(heading(page, second)).to_be_visible()
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    assert stored(studio)[first] == [other]

    page.get_by_label("Advance automatically").uncheck()
    page.reload()
    expect(heading(page, second)).to_be_visible()
    expect(page.get_by_label("Advance automatically")).not_to_be_checked()
    page.keyboard.press(other_key)
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    expect(heading(page, second)).to_be_visible()  # stayed
    expect(page.get_by_role("button", name=other)).to_have_attribute("aria-pressed", "true")


def test_the_mislabelled_view_fixes_a_tag_with_one_key(trained, page, studio):
    listed = page.request.get(f"/api/projects/{PROJECT}/mislabelled?limit=100").json()
    assert listed["computed_at"], listed
    assert listed["items"], listed
    top = listed["items"][0]
    page.goto(f"/projects/{PROJECT}/improve/")
    section = page.get_by_role("region", name="Likely mislabelled")
    rows = section.locator(".mislabelled-item")
    expect(rows.first).to_contain_text(top["name"])
    expect(rows.first).to_contain_text(f"Retag as {top['suggested']}")
    screenshot(page, "assist-mislabelled")
    rows.first.focus()
    page.keyboard.press("j")
    if rows.count() > 1:
        expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(rows.first).to_be_focused()
    page.keyboard.press("f")
    expect(rows.first).to_contain_text("Fixed")
    screenshot(page, "assist-mislabelled-fixed")
    assert stored(studio)[top["name"]] == [top["suggested"]]
