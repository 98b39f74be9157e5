"""The Tag page: one document, its classes with their shortcut keys, the counter and filter."""

import json
import re

import pytest

from projects.models import AssistState, Class, Document, QueueStrategy, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged_project(project):
    sport = Class.objects.create(project=project, name="Sport", order=0)
    Class.objects.create(project=project, name="Politics", order=1)
    first = Document.objects.create(project=project, name="a.txt", text="Goal!\n\n  kept  spaces")
    Document.objects.create(project=project, name="b.txt", text="Parliament votes")
    Tag.objects.create(document=first, category=sport, exclusive=True)
    return project


def state_of(response):
    html = response.content.decode()
    match = re.search(r'<script id="tag-state" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_tag_page_starts_on_the_first_untagged_document(client, owner, tagged_project):
    client.force_login(owner)
    response = client.get("/projects/Reviews/tag/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Parliament votes" in html
    assert "<kbd>1</kbd>" in html
    assert "<kbd>2</kbd>" in html
    state = state_of(response)
    assert state["counts"] == {"total": 2, "tagged": 1}
    assert state["document"]["name"] == "b.txt"
    assert [c["key"] for c in state["classes"]] == ["1", "2"]
    assert state["canEdit"] is True


def test_tag_page_opens_the_asked_document_with_its_whitespace_and_tags(
    client, owner, tagged_project
):
    client.force_login(owner)
    doc = Document.objects.get(name="a.txt")
    response = client.get(f"/projects/Reviews/tag/?doc={doc.pk}")
    html = response.content.decode()
    assert "Goal!\n\n  kept  spaces" in html
    assert 'aria-pressed="true"' in html
    assert state_of(response)["document"]["classes"] == [Class.objects.get(name="Sport").pk]


def test_tag_page_filter_is_read_from_the_query(client, owner, tagged_project):
    client.force_login(owner)
    sport = Class.objects.get(name="Sport")
    state = state_of(client.get(f"/projects/Reviews/tag/?show=class:{sport.pk}"))
    assert state["query"] == {"class": str(sport.pk)}
    assert state["filterLabel"] == "Tagged Sport"
    assert state["document"]["name"] == "a.txt"
    state = state_of(client.get("/projects/Reviews/tag/?show=untagged&split=train"))
    assert state["query"] == {"untagged": "true", "split": "train"}
    assert state["document"] is None


def test_tag_page_leaves_out_a_refused_filter_so_its_script_asks_the_api_for_what_it_shows(
    client, owner, tagged_project
):
    client.force_login(owner)
    response = client.get("/projects/Reviews/tag/?show=untagged&tagged=true&class=x")
    state = state_of(response)
    assert state["query"] == {"untagged": "true"}
    assert state["filterLabel"] == "Untagged documents"
    shown = [m.message for m in response.context["messages"]]
    assert shown == [
        "Ask for tagged or untagged documents, not both.",
        "The class filter takes a class id.",
    ]


def test_viewer_sees_the_document_but_cannot_tag(client, viewer, tagged_project):
    client.force_login(viewer)
    response = client.get("/projects/Reviews/tag/")
    assert state_of(response)["canEdit"] is False
    assert "you can read the tags but not change them" in response.content.decode()


def test_outsider_gets_404(client, outsider, tagged_project):
    client.force_login(outsider)
    assert client.get("/projects/Reviews/tag/").status_code == 404


def test_empty_project_points_to_the_data_page(client, owner, project):
    client.force_login(owner)
    html = client.get("/projects/Reviews/tag/").content.decode()
    assert "No documents yet" in html
    assert "/projects/Reviews/data/" in html


def test_classes_past_nine_get_letters_that_skip_the_navigation_keys(client, owner, project):
    for i in range(12):
        Class.objects.create(project=project, name=f"C{i}", order=i)
    Document.objects.create(project=project, name="x.txt", text="x")
    client.force_login(owner)
    keys = [c["key"] for c in state_of(client.get("/projects/Reviews/tag/"))["classes"]]
    assert keys == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c"]
    assert not set(keys) & set("jknsu")


@pytest.fixture
def queued_project(tagged_project):
    """A stored tag-next queue: b.txt, then a.txt (tagged since), then c.txt."""
    third = Document.objects.create(project=tagged_project, name="c.txt", text="Match report")
    ids = {doc.name: doc.pk for doc in Document.objects.filter(project=tagged_project)}
    AssistState.objects.create(
        project=tagged_project,
        queue_strategy=QueueStrategy.ACTIVE,
        queue_model="m",
        queue=[{"document_id": ids[n], "score": 1.0} for n in ("c.txt", "a.txt", "b.txt")],
    )
    return third


def test_tag_page_walks_the_stored_queue_without_its_tagged_documents(
    client, owner, queued_project
):
    client.force_login(owner)
    response = client.get("/projects/Reviews/tag/")
    state = state_of(response)
    names = dict(Document.objects.values_list("pk", "name"))
    assert [names[pk] for pk in state["queue"]] == ["c.txt", "b.txt"]
    assert state["queueStrategy"] == "active"
    assert state["document"]["name"] == "c.txt"
    assert response.context["has_queue"]
    assert response.context["use_queue"]


def test_tag_page_in_document_order_offers_the_queue_but_sends_none(client, owner, queued_project):
    client.force_login(owner)
    response = client.get("/projects/Reviews/tag/?order=list")
    state = state_of(response)
    assert state["queue"] == []
    assert state["queueStrategy"] == "none"
    assert response.context["has_queue"]
    assert not response.context["use_queue"]
    assert 'value="queue"' in response.content.decode()
