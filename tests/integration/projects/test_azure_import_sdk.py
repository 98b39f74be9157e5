"""Azure's `:import` as the official authoring client sees it: refused documents fail the job
with every reason, a failed import changes nothing, an import replaces the project's assets,
changed documents are warnings, and Azure's limits answer in its envelope."""

from __future__ import annotations

import json

import pytest
from azure.ai.textanalytics.authoring import TextAuthoringClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from projects.models import MAX_DOCUMENTS_PER_PROJECT, Class, Document, Tag
from studio.services import regenerate_api_key

pytestmark = pytest.mark.django_db(transaction=True)

MULTI = "CustomMultiLabelClassification"


def exported(name: str, documents: list[dict], classes: list[str]) -> dict:
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {"projectKind": MULTI, "projectName": name, "language": "en"},
        "assets": {
            "projectKind": MULTI,
            "classes": [{"category": c} for c in classes],
            "documents": documents,
        },
    }


def doc(location: str, *classes: str, text: str | None = None) -> dict:
    return {
        "location": location,
        "language": "en",
        "dataset": "Train",
        "classes": [{"category": c} for c in classes],
        "text": f"The text of {location}" if text is None else text,
    }


def job_state(pipeline_response, deserialized, headers) -> dict:
    """`cls` for begin_import: the final job state the poller read, instead of None."""
    return json.loads(pipeline_response.http_response.text())


@pytest.fixture
def sdk(live_server, owner):
    key = regenerate_api_key(user=owner, slot=1)
    return TextAuthoringClient(live_server.url, AzureKeyCredential(key)).get_project_client(
        "Tickets"
    )


def assets() -> tuple[set[str], set[str], set[tuple[str, str]]]:
    return (
        set(Document.objects.values_list("name", flat=True)),
        set(Class.objects.values_list("name", flat=True)),
        set(Tag.objects.values_list("document__name", "category__name")),
    )


def test_a_refused_document_fails_the_job_with_its_location_and_changes_nothing(sdk):
    sdk.project.begin_import(
        exported("Tickets", [doc("a.txt", "card"), doc("b.txt", "card")], ["card"]),
        polling_interval=0.05,
    ).result()
    before = assets()

    bad = exported(
        "Tickets",
        [
            doc("c.txt", "reverted_card_payment?"),
            doc("d.txt", "card", text=" "),
            doc("e.txt", "card"),
        ],
        ["card", "reverted_card_payment?"],
    )
    with pytest.raises(HttpResponseError) as failed:
        sdk.project.begin_import(bad, polling_interval=0.05).result()

    state = failed.value.response.json()
    assert state["status"] == "failed"
    by_target = {e["target"]: e for e in state["errors"]}
    assert {"c.txt", "d.txt", "reverted_card_payment?"} <= set(by_target)
    assert "reverted_card_payment_" in by_target["c.txt"]["message"]
    assert by_target["d.txt"]["innererror"]["code"] == "InvalidDocument"
    assert "empty" in by_target["d.txt"]["message"]
    assert assets() == before  # nothing of the refused import landed, not even e.txt


def test_an_import_replaces_the_projects_documents_and_classes(sdk):
    sdk.project.begin_import(
        exported("Tickets", [doc("old-1.txt", "old"), doc("old-2.txt", "old")], ["old"]),
        polling_interval=0.05,
    ).result()
    sdk.project.begin_import(
        exported("Tickets", [doc("new.txt", "new", "other")], ["new", "other"]),
        polling_interval=0.05,
    ).result()

    assert assets() == ({"new.txt"}, {"new", "other"}, {("new.txt", "new"), ("new.txt", "other")})


def test_a_class_listed_twice_lands_once_and_the_job_warns(sdk):
    state = sdk.project.begin_import(
        exported("Tickets", [doc("a.txt", "card", "card"), doc("b.txt", "card")], ["card"]),
        polling_interval=0.05,
        cls=job_state,
    ).result()

    assert state["status"] == "succeeded"
    assert state["errors"] == []
    assert [(w["code"], w["target"]) for w in state["warnings"]] == [("DocumentChanged", "a.txt")]
    assert Tag.objects.count() == 2


def test_more_documents_than_a_project_holds_is_a_400_in_azures_envelope(sdk):
    too_many = [{"location": f"{i}.txt"} for i in range(MAX_DOCUMENTS_PER_PROJECT + 1)]
    with pytest.raises(HttpResponseError) as refused:
        sdk.project.begin_import(exported("Tickets", too_many, ["card"]), polling=False)

    assert refused.value.status_code == 400
    error = refused.value.response.json()["error"]
    assert (error["code"], error["target"]) == ("QuotaExceeded", "assets.documents")
    assert not Document.objects.exists()


def test_thirty_thousand_documents_of_three_megabytes_import_on_the_worker(
    celery_worker_process, sdk
):
    documents = [doc(f"ticket-{i:05d}.txt", "even" if i % 2 else "odd") for i in range(30_000)]
    body = exported("Tickets", documents, ["even", "odd"])
    assert len(json.dumps(body)) > 2_621_440  # past Django's default 2.5 MB request limit

    state = sdk.project.begin_import(body, polling_interval=0.2, cls=job_state).result()

    assert state["status"] == "succeeded", state
    assert Document.objects.count() == 30_000
    assert Tag.objects.filter(category__name="odd").count() == 15_000


def test_a_refused_document_fails_a_worker_import_and_changes_nothing(celery_worker_process, sdk):
    documents = [doc(f"ticket-{i:04d}.txt", "card") for i in range(400)]
    documents[7]["classes"] = [{"category": "what?"}]
    body = exported("Tickets", documents, ["card", "what?"])

    with pytest.raises(HttpResponseError) as failed:
        sdk.project.begin_import(body, polling_interval=0.2).result()

    state = failed.value.response.json()
    assert state["status"] == "failed"
    assert {e["target"] for e in state["errors"]} == {"ticket-0007.txt", "what?"}
    assert not Document.objects.exists()
    assert not Class.objects.exists()
