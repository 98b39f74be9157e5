"""Assisted tagging end to end on a real worker: suggestions, the tag-next queue, the
likely-mislabelled list, the queue's refresh route and the automatic retrain."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from projects import services as project_services
from projects.models import AssistState, Class, Document, Project, Tag
from tests.integration.training.conftest import add_tagged, wait_for_job
from training import services
from training.models import JobStatus, TrainedModel, TrainingJob

pytestmark = pytest.mark.django_db(transaction=True)

UNTAGGED = [
    "The defender was sent off in the derby",
    "The keeper caught the cross in the last minute",
    "Whisk the eggs and fold in the flour",
    "Slow-cooked lamb with rosemary and garlic",
    "The match ended in a draw after extra time",
    "Fry the mushrooms in a little butter",
]


def _api(project: Project, route: str) -> str:
    return f"/api/projects/{project.name}/{route}"


def _add_untagged(project: Project, texts: list[str] = UNTAGGED) -> list[Document]:
    return [
        Document.objects.create(
            project=project,
            name=f"new-{i}.txt",
            text=text,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
        )
        for i, text in enumerate(texts)
    ]


def _wait_for(check: Any, *, timeout_s: float = 120) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("the worker did not compute it in time")


def _trained_with_assist(project: Project, owner: Any) -> AssistState:
    job = services.start_training(project=project, model_name="m", user=owner)
    assert wait_for_job(str(job.job_id)).status == JobStatus.SUCCEEDED
    return _wait_for(
        lambda: AssistState.objects.filter(
            project=project, mislabelled_computed_at__isnull=False
        ).first()
    )


def test_without_a_model_suggestions_are_empty_and_lists_are_not_computed(
    project, viewer, client_for
):
    doc = _add_untagged(project)[0]
    client = client_for(viewer)

    answer = client.get(_api(project, "suggestions"), {"document_ids": str(doc.pk)}).json()
    assert answer == {
        "model": None,
        "version": None,
        "multi_label": False,
        "items": [{"document_id": doc.pk, "classes": [], "suggested": []}],
    }
    queue = client.get(_api(project, "tag-queue")).json()
    assert queue == {"strategy": "none", "model": None, "computed_at": None, "items": []}
    listed = client.get(_api(project, "mislabelled")).json()
    assert listed == {"computed_at": None, "model": None, "items": []}
    assert not AssistState.objects.exists()  # reads never write


def test_unknown_or_too_many_document_ids_are_refused_on_document_ids(project, viewer, client_for):
    doc = _add_untagged(project)[0]
    client = client_for(viewer)
    for ids in (f"{doc.pk},999999", "a,b", "", ",".join(str(i) for i in range(1, 52))):
        answer = client.get(_api(project, "suggestions"), {"document_ids": ids})
        assert answer.status_code == 400, ids
        assert answer.json()["error"]["target"] == "document_ids"
    answer = client.get(_api(project, "tag-queue"), {"limit": "0"})
    assert answer.status_code == 400
    assert answer.json()["error"]["target"] == "limit"


def test_after_a_quick_training_the_three_apis_answer_from_the_new_model(
    celery_worker_process, project, owner, viewer, client_for
):
    tagged = add_tagged(project)
    flipped = tagged[0]  # "The team won the football match", tagged food instead of sport
    Tag.objects.filter(document=flipped).update(category=Class.objects.get(name="food"))
    untagged = _add_untagged(project)
    state = _trained_with_assist(project, owner)
    client = client_for(viewer)

    ids = f"{untagged[0].pk},{untagged[2].pk}"
    answer = client.get(_api(project, "suggestions"), {"document_ids": ids}).json()
    assert answer["model"] == "m"
    assert answer["version"] == 1
    assert answer["multi_label"] is False
    sport, food = answer["items"]
    assert [c["class"] for c in sport["classes"]] == ["sport", "food"]  # two classes: top 3 is 2
    assert sport["suggested"] == ["sport"]
    assert food["suggested"] == ["food"]
    assert sport["classes"][0]["confidence"] > sport["classes"][1]["confidence"]

    queue = client.get(_api(project, "tag-queue")).json()
    assert queue["strategy"] == "active"
    assert queue["model"] == "m"
    assert parse_datetime(queue["computed_at"]) == state.queue_computed_at
    assert sorted(item["document_id"] for item in queue["items"]) == [d.pk for d in untagged]
    scores = [item["score"] for item in queue["items"]]
    assert all(0 <= s <= 1 for s in scores)
    assert len(client.get(_api(project, "tag-queue"), {"limit": 2}).json()["items"]) == 2

    first = queue["items"][0]["document_id"]
    project_services.tag_document(
        Document.objects.get(pk=first), Class.objects.get(name="sport"), user=owner
    )
    queue = client.get(_api(project, "tag-queue")).json()
    assert first not in [item["document_id"] for item in queue["items"]]  # tagged since

    listed = client.get(_api(project, "mislabelled")).json()
    assert listed["model"] == "m"
    assert len(listed["items"]) == len(tagged)
    top = listed["items"][:3]
    assert flipped.pk in [item["document_id"] for item in top]
    item = next(i for i in top if i["document_id"] == flipped.pk)
    assert item["given"] == ["food"]
    assert item["suggested"] == "sport"
    assert item["name"] == flipped.name
    assert item["text"] == flipped.text
    assert item["score"] >= listed["items"][-1]["score"]

    project_services.set_document_tags(
        flipped, [Class.objects.get(name="sport")], user=owner
    )  # fixed: its entry, computed on the old tag, is dropped
    listed = client.get(_api(project, "mislabelled")).json()
    assert flipped.pk not in [i["document_id"] for i in listed["items"]]


def test_multi_label_suggestions_preselect_the_classes_above_their_thresholds(
    celery_worker_process, multi_project, owner, viewer, client_for
):
    add_tagged(multi_project, extra_class="weekend")
    doc = _add_untagged(multi_project)[0]
    _trained_with_assist(multi_project, owner)

    answer = client_for(viewer).get(
        _api(multi_project, "suggestions"), {"document_ids": str(doc.pk)}
    )
    body = answer.json()
    assert body["multi_label"] is True
    item = body["items"][0]
    shown = [c["class"] for c in item["classes"]]
    assert shown[: len(item["suggested"])] == item["suggested"]
    assert len(shown) == len(item["suggested"]) + 1  # the next best, not pre-ticked
    listed = client_for(viewer).get(_api(multi_project, "mislabelled")).json()
    assert listed["items"]
    assert all(isinstance(i["suggested"], str) for i in listed["items"])


def test_the_refresh_route_computes_a_cold_start_queue_on_the_worker(
    celery_worker_process, project, editor, viewer, client_for
):
    untagged = _add_untagged(project)
    assert client_for(viewer).post(_api(project, "tag-queue/refresh")).status_code == 403

    answer = client_for(editor).post(_api(project, "tag-queue/refresh"))
    assert answer.status_code == 202
    asked = parse_datetime(answer.json()["requested_at"])
    assert asked <= timezone.now()

    def computed() -> dict[str, Any] | None:
        queue = client_for(viewer).get(_api(project, "tag-queue")).json()
        done = queue["computed_at"] and parse_datetime(queue["computed_at"]) >= asked
        return queue if done else None

    queue = _wait_for(computed)
    assert queue["strategy"] == "cold_start"
    assert queue["model"] is None
    assert sorted(i["document_id"] for i in queue["items"]) == [d.pk for d in untagged]


def test_auto_retrain_starts_a_quick_retrain_after_enough_new_tags(
    celery_worker_process, project, owner, client_for
):
    add_tagged(project)
    untagged = _add_untagged(project)
    _trained_with_assist(project, owner)
    answer = client_for(owner).patch(
        f"/api/projects/{project.name}", {"auto_retrain_every": 2}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["auto_retrain_every"] == 2
    sport = Class.objects.get(project=project, name="sport")

    project_services.tag_document(untagged[0], sport, user=owner)
    time.sleep(1)  # the worker saw one new tag: not due
    assert TrainingJob.objects.filter(project=project).count() == 1
    project_services.tag_document(untagged[1], sport, user=owner)

    _wait_for(lambda: TrainingJob.objects.filter(project=project).count() > 1)
    job = TrainingJob.objects.filter(project=project).order_by("-created_at").first()
    assert job.options["mode"] == "quick"
    assert wait_for_job(str(job.job_id)).status == JobStatus.SUCCEEDED
    assert TrainedModel.objects.get(project=project, name="m").version == 2


def test_auto_retrain_every_is_a_whole_number_the_owner_sets(project, owner, editor, client_for):
    url = f"/api/projects/{project.name}"
    refused = client_for(owner).patch(url, {"auto_retrain_every": -1}, format="json")
    assert refused.status_code == 400
    assert (
        client_for(editor).patch(url, {"auto_retrain_every": 5}, format="json").status_code == 403
    )
    project.refresh_from_db()
    assert project.auto_retrain_every == 0


def test_the_settings_page_shows_and_saves_auto_retrain_every(client, project, owner):
    client.force_login(owner)
    page = f"/projects/{project.name}/settings/"
    assert 'name="auto_retrain_every"' in client.get(page).content.decode()
    form = {"description": "", "language": "en", "auto_retrain_every": "25"}
    assert client.post(page, form).status_code == 302
    project.refresh_from_db()
    assert project.auto_retrain_every == 25
    assert 'value="25"' in client.get(page).content.decode()
