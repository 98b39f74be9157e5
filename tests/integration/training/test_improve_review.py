"""Improve model: the validation set's mistakes with their documents, never the test set's
documents, and re-tagging through the document tags API the page calls."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.utils import timezone

from projects.models import Class, Document, Project, Tag
from training.engine.evaluate import evaluate
from training.models import TrainedModel

pytestmark = pytest.mark.django_db

SECRET = "TEST-SET ONLY: the exam paper nobody should tune to"


def _document(project: Project, name: str, text: str, category: Class) -> Document:
    doc = Document.objects.create(
        project=project,
        name=name,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    Tag.objects.create(document=doc, category=category, exclusive=True)
    return doc


@pytest.fixture
def case(project, tmp_path):
    """Validation: a confident mistake, an unsure mistake and a right answer; test: one
    document (a mistake too) whose text must never reach the Improve page."""
    sport = Class.objects.create(project=project, name="sport", order=0)
    food = Class.objects.create(project=project, name="food", order=1)
    right = _document(project, "right.txt", "The striker scored twice", sport)
    unsure = _document(project, "unsure.txt", "Match day snacks for the fans", sport)
    sure = _document(project, "sure.txt", "The goalkeeper saved a penalty", food)
    exam = _document(project, "exam.txt", SECRET, sport)

    def prediction(doc, expected, predicted, sport_score):
        scores = {"sport": sport_score, "food": round(1 - sport_score, 2)}
        return {"id": str(doc.pk), "expected": [expected], "predicted": [predicted],
                "confidences": scores, "location": doc.name, "language": "en"}  # fmt: skip

    validation = [
        prediction(right, "sport", "sport", 0.9),
        prediction(unsure, "sport", "food", 0.4),
        prediction(sure, "food", "sport", 0.97),
    ]
    test = [prediction(exam, "sport", "food", 0.2)]
    folder = tmp_path / "v1"
    folder.mkdir()
    (folder / "evaluation_results.json").write_text(
        json.dumps({"split": {}, "validation": validation, "test": test})
    )
    model = TrainedModel.objects.create(
        project=project, name="m1", version=1, artifact_path=str(folder),
        evaluation=evaluate([["sport"]], [["food"]], ["sport", "food"], False).to_dict(),
        split_counts={"train": 1, "validation": 3, "test": 1}, trained_at=timezone.now(),
    )  # fmt: skip
    return {"model": model, "sport": sport, "food": food, "sure": sure, "unsure": unsure,
            "right": right, "exam": exam}  # fmt: skip


def test_review_api_lists_validation_mistakes_most_confident_first(case, viewer, client_for):
    answer = client_for(viewer).get("/api/projects/Reviews/models/m1/review").json()
    assert answer["part"] == "validation"
    assert [item["name"] for item in answer["items"]] == ["sure.txt", "unsure.txt"]
    first = answer["items"][0]
    assert first["text"] == "The goalkeeper saved a penalty"
    assert first["tags"] == ["food"]
    assert first["predicted"] == [{"class": "sport", "confidence": 0.97}]
    assert (answer["validation_documents"], answer["incorrect"]) == (3, 2)


def test_review_api_shows_right_answers_when_asked_and_filters_by_class(case, viewer, client_for):
    api = client_for(viewer)
    everything = api.get("/api/projects/Reviews/models/m1/review?incorrect_only=false").json()
    assert [item["name"] for item in everything["items"]] == ["sure.txt", "unsure.txt", "right.txt"]
    tagged_sport = api.get("/api/projects/Reviews/models/m1/review?true_class=sport").json()
    assert [item["name"] for item in tagged_sport["items"]] == ["unsure.txt"]
    predicted_sport = api.get("/api/projects/Reviews/models/m1/review?predicted_class=sport").json()
    assert [item["name"] for item in predicted_sport["items"]] == ["sure.txt"]


def test_test_set_documents_never_reach_the_review_api(case, viewer, client_for):
    api = client_for(viewer)
    queries = ("", "?incorrect_only=false", "?true_class=sport&incorrect_only=false", "?top=1000")
    for query in queries:
        answer = api.get(f"/api/projects/Reviews/models/m1/review{query}")
        body = answer.content.decode()
        assert SECRET not in body
        assert "exam.txt" not in body
        assert str(case["exam"].pk) not in [item["id"] for item in answer.json()["items"]]


def test_test_set_documents_never_reach_the_improve_page(case, client, viewer):
    client.force_login(viewer)
    body = client.get("/projects/Reviews/improve/").content.decode()
    assert SECRET not in body
    assert "exam.txt" not in body
    assert 'id="improve-incorrect" name="incorrect_only" checked' in body


def test_improve_page_suggests_checking_the_confident_mistake(case, client, viewer):
    client.force_login(viewer)
    response = client.get("/projects/Reviews/improve/?model=m1")
    kinds = [s["kind"] for s in response.context["review"]["suggestions"]]
    assert "likely_mislabelled" in kinds
    assert "few_documents" in kinds
    assert (
        "sure.txt is tagged &#x27;food&#x27; but the model is 97% sure" in response.content.decode()
    )


def test_retagging_from_improve_changes_the_tag(case, editor, client_for):
    api = client_for(editor)
    doc = case["sure"]
    # The call improve.js makes when the editor picks "sport" and saves.
    answer = api.put(
        f"/api/projects/Reviews/documents/{doc.pk}/tags",
        {"classes": [case["sport"].pk]},
        format="json",
    )
    assert answer.status_code == 200
    assert list(doc.tags.values_list("category__name", flat=True)) == ["sport"]
    review = api.get("/api/projects/Reviews/models/m1/review").json()
    item = next(item for item in review["items"] if item["name"] == "sure.txt")
    assert item["tags"] == ["sport"]
    assert item["expected"] == ["food"]  # what the model was trained on stays as it was


def test_viewers_read_the_review_but_cannot_retag(case, client, viewer, client_for):
    api = client_for(viewer)
    assert api.get("/api/projects/Reviews/models/m1/review").status_code == 200
    denied = api.put(
        f"/api/projects/Reviews/documents/{case['sure'].pk}/tags",
        {"classes": [case["sport"].pk]},
        format="json",
    )
    assert denied.status_code == 403
    client.force_login(viewer)
    body = client.get("/projects/Reviews/improve/").content.decode()
    assert '"canEdit": false' in body


def test_outsiders_get_404_from_the_review_api(case, outsider, client_for):
    answer = client_for(outsider).get("/api/projects/Reviews/models/m1/review")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ProjectNotFound"


def test_improve_page_without_models_says_to_train_first(client, project, viewer):
    client.force_login(viewer)
    assert "No trained model yet" in client.get("/projects/Reviews/improve/").content.decode()
