"""Multi-label assisted tagging in Chromium after one real quick training: the Tag page pre-ticks
the classes above their thresholds as a suggestion (nothing stored), Enter stores exactly those
and moves on, and class keys change the suggestion before it is stored. Keyboard only."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_assisted_tagging import heading, stored

pytestmark = pytest.mark.e2e

PROJECT = "AssistMulti"
CLASSES = ["Sport", "Politics", "Cooking", "Weather"]
PRETICKED = re.compile(r"\bpreticked\b")

# A multi-label project (documents with one or two of four classes), untagged documents to tag,
# and one quick training through the service the Train page uses, waited for to the end.
SEED = """
import json, time
from django.contrib.auth import get_user_model
from projects.models import Class
from projects.services import create_document, create_project
from training.services import start_training
admin = get_user_model().objects.get(username="admin")
project = create_project(owner=admin, name=NAME, kind="multi_label")
classes = {name: Class.objects.create(project=project, name=name, order=order)
           for order, name in enumerate(CLASSES)}
for i, (text, names) in enumerate(TAGGED):
    create_document(project, name=f"tagged-{i:02}.txt", text=text,
                    classes=[classes[name] for name in names])
for i, text in enumerate(UNTAGGED):
    create_document(project, name=f"new-{i:02}.txt", text=text, classes=[])
job = start_training(project=project, model_name="m", user=admin, mode="quick")
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    job.refresh_from_db()
    if job.status in ("succeeded", "failed", "cancelled"):
        break
    time.sleep(1)
print(json.dumps({"status": job.status}))
"""

TAGGED = [
    ("The striker scored twice in the second half of the derby", ["Sport"]),
    ("The goalkeeper saved a penalty in the final minute", ["Sport"]),
    ("The tennis champion won the final in straight sets", ["Sport"]),
    ("The runner broke the world record in the marathon", ["Sport"]),
    ("The team lifted the cup after extra time and penalties", ["Sport"]),
    ("Parliament passed the budget after a long debate", ["Politics"]),
    ("The minister resigned after the election defeat", ["Politics"]),
    ("The senate rejected the new tax bill", ["Politics"]),
    ("The president signed a treaty with the neighbours", ["Politics"]),
    ("The opposition called for a vote of no confidence", ["Politics"]),
    ("Whisk the eggs and fold in the flour gently", ["Cooking"]),
    ("Roast the lamb with rosemary and garlic for two hours", ["Cooking"]),
    ("Simmer the tomato sauce with basil and olive oil", ["Cooking"]),
    ("Knead the dough and let the bread rise overnight", ["Cooking"]),
    ("Fry the onions in butter until golden", ["Cooking"]),
    ("Heavy rain and strong winds are forecast for the weekend", ["Weather"]),
    ("A heatwave will bring sunshine and temperatures above thirty degrees", ["Weather"]),
    ("Snow and ice closed the mountain roads overnight", ["Weather"]),
    ("Thunderstorms and flooding are expected in the north", ["Weather"]),
    ("Fog and frost will clear by the afternoon", ["Weather"]),
    ("The final was postponed as heavy rain flooded the stadium", ["Sport", "Weather"]),
    ("The marathon runners struggled in the heatwave and the sunshine", ["Sport", "Weather"]),
    ("Snow and ice stopped the match and the team went home", ["Sport", "Weather"]),
    ("The minister opened the new stadium before the cup final", ["Sport", "Politics"]),
    ("The president congratulated the team on winning the cup", ["Sport", "Politics"]),
    ("Parliament debated the sports budget for the champion athletes", ["Sport", "Politics"]),
    ("The chef roasted the lamb for the president's state dinner", ["Cooking", "Politics"]),
    ("The minister baked bread and cooked soup for the election campaign", ["Cooking", "Politics"]),
    ("Grill the fish outside in the summer sunshine", ["Cooking", "Weather"]),
    ("A hot soup with garlic and thyme for the cold snowy evening", ["Cooking", "Weather"]),
]
UNTAGGED = [
    "Heavy rain flooded the stadium and the cup final was called off",
    "The president praised the team after the cup final",
    "Bake the bread and simmer the soup with garlic",
    "Strong winds and snow are forecast for the mountains",
    "The minister cooked lamb with rosemary at the state dinner",
    "The goalkeeper saved two penalties in the heatwave",
    "The senate passed the tax bill after the debate",
    "Thunderstorms will bring heavy rain to the north this weekend",
]


@pytest.fixture(scope="module")
def trained(studio) -> None:
    values = (
        f"NAME = {PROJECT!r}\nCLASSES = {json.dumps(CLASSES)}\n"
        f"TAGGED = {json.dumps(TAGGED)}\nUNTAGGED = {json.dumps(UNTAGGED)}\n"
    )
    out = studio.manage("shell", "-c", values + SEED)
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer == {"status": "succeeded"}, answer


def untagged_documents(page) -> list[tuple[int, str, list[str]]]:
    """The untagged documents in the Tag page's list order, each with the classes the model
    suggests for it now (the API's answer, which the page shows)."""
    listed = page.request.get(f"/api/projects/{PROJECT}/documents?untagged=true").json()["value"]
    ids = ",".join(str(doc["id"]) for doc in listed)
    answer = page.request.get(f"/api/projects/{PROJECT}/suggestions?document_ids={ids}").json()
    assert answer["multi_label"], answer
    assert answer["model"] == "m", answer
    suggested = {item["document_id"]: item["suggested"] for item in answer["items"]}
    return [(doc["id"], doc["name"], suggested[doc["id"]]) for doc in listed]


def class_button(page, name: str):
    return page.locator(".class-button", has=page.locator(".class-name", has_text=name))


def open_tag_page(page, doc_id: int) -> None:
    """The untagged documents in document order, starting at `doc_id`."""
    page.goto(f"/projects/{PROJECT}/tag/?show=untagged&order=list&doc={doc_id}")


def press_and_save(page, key: str) -> None:
    """Press a class key and wait until the page's save of the document's tags has answered."""
    with page.expect_response(lambda r: r.url.endswith("/tags") and r.request.method == "PUT"):
        page.keyboard.press(key)
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")


def expect_suggested(page, suggested: list[str]) -> None:
    """The suggested classes pre-ticked and marked as the model's, the others plain; none of
    them pressed (a suggestion is not a tag)."""
    box = page.get_by_role("region", name="Suggested classes")
    expect(box).to_be_visible()
    for name in CLASSES:
        button = class_button(page, name)
        expect(button).to_have_attribute("aria-pressed", "false")
        if name in suggested:
            expect(box).to_contain_text(name)
            expect(button).to_have_class(re.compile(r"\bsuggested\b.*\bpreticked\b"))
            expect(button.locator(".confidence")).to_have_attribute(
                "title", "Suggested by the model"
            )
        else:
            expect(button).not_to_have_class(PRETICKED)


def test_enter_stores_exactly_the_pre_ticked_suggestion_and_moves_on(trained, page, studio):
    documents = untagged_documents(page)
    index = next(i for i, (_, _, s) in enumerate(documents[:-1]) if s)
    (doc_id, name, suggested), (_, next_name, _) = documents[index], documents[index + 1]
    open_tag_page(page, doc_id)
    expect(heading(page, name)).to_be_visible()
    expect_suggested(page, suggested)
    screenshot(page, "assist-multi-label-suggestion")
    assert stored(studio, PROJECT)[name] == []  # shown, not stored

    page.keyboard.press("Enter")
    expect(heading(page, next_name)).to_be_visible()  # auto-advance
    expect(page.locator("[data-save-state]")).to_have_text("Saved.")
    assert sorted(stored(studio, PROJECT)[name]) == sorted(suggested)


def test_class_keys_override_the_suggestion_before_enter_moves_on(trained, page, studio):
    documents = untagged_documents(page)
    index = next(i for i, (_, _, s) in enumerate(documents[:-1]) if s)
    (doc_id, name, suggested), (_, next_name, _) = documents[index], documents[index + 1]
    ticked = next(c for c in CLASSES if c not in suggested)
    open_tag_page(page, doc_id)
    expect(heading(page, name)).to_be_visible()
    expect_suggested(page, suggested)
    assert stored(studio, PROJECT)[name] == []

    # Untick every suggested class: none comes back pre-ticked once the document has no class.
    for unticked in suggested:
        press_and_save(page, str(CLASSES.index(unticked) + 1))
        expect(class_button(page, unticked)).to_have_attribute("aria-pressed", "false")
    for other in suggested:
        expect(class_button(page, other)).not_to_have_class(PRETICKED)
    # Then tick another class: the document stays, with only that class stored.
    press_and_save(page, str(CLASSES.index(ticked) + 1))
    expect(class_button(page, ticked)).to_have_attribute("aria-pressed", "true")
    expect(heading(page, name)).to_be_visible()
    assert stored(studio, PROJECT)[name] == [ticked]
    screenshot(page, "assist-multi-label-overridden")

    # Enter keeps the document's classes as they are and moves on.
    page.keyboard.press("Enter")
    expect(heading(page, next_name)).to_be_visible()
    assert stored(studio, PROJECT)[name] == [ticked]
