"""The per-process caches on the prediction route: deployments (training.deployments) and the
project with the caller's membership (projects.permissions). A change made in this process is
served at once; one made elsewhere within the cache time."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.permissions import MEMBER_CACHE_SECONDS, member_cache
from projects.services import remove_member
from tests.integration.deploy.conftest import SPORT
from tests.integration.deploy.test_classify import classify, deploy
from training.deployments import DEPLOYMENT_CACHE_SECONDS, deployment_cache
from training.models import Deployment

pytestmark = pytest.mark.django_db


def top(client) -> str:
    return classify(client, "Reviews", [SPORT[0]])[0]["classes"][0]["category"]


def test_a_redeploy_in_this_process_is_served_at_once(
    project, owner, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    make_model(project, name="m2", artifact_path=artifacts["v2"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    assert top(client) == "sport"  # now cached
    deploy(client, "Reviews", "m2")
    assert top(client) == "athletics"


def test_a_swap_and_a_delete_in_this_process_are_served_at_once(
    project, owner, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    make_model(project, name="m2", artifact_path=artifacts["v2"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    deploy(client, "Reviews", "m2", deployment="staging")
    assert top(client) == "sport"
    swapped = client.post(
        "/api/projects/Reviews/deployments/swap",
        {"first": "prod", "second": "staging"},
        format="json",
    )
    assert swapped.status_code == 200, swapped.json()
    assert top(client) == "athletics"
    assert client.delete("/api/projects/Reviews/deployments/prod").status_code == 204
    response = client.post(
        "/api/projects/Reviews/deployments/prod/classify",
        {"documents": [{"id": "1", "text": SPORT[0]}]},
        format="json",
    )
    assert response.status_code == 404


def test_a_redeploy_by_another_process_is_served_within_the_cache_time(
    project, owner, client_for, make_model, artifacts, monkeypatch
):
    make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    assert top(client) == "sport"
    # QuerySet.update sends no signal: what this process sees when another one redeploys.
    Deployment.objects.filter(name="prod").update(artifact_path=artifacts["v2"], model_version=2)
    assert top(client) == "sport"  # still cached here
    now = deployment_cache.clock()
    monkeypatch.setattr(deployment_cache, "clock", lambda: now + DEPLOYMENT_CACHE_SECONDS + 0.01)
    assert top(client) == "athletics"


def test_a_threshold_saved_in_this_process_is_served_at_once(
    project, owner, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"]
    project.confidence_threshold = 1.0
    project.save()
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"] == []


def test_a_threshold_set_by_another_process_is_served_within_the_cache_time(
    project, owner, client_for, make_model, artifacts, monkeypatch
):
    make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"]
    type(project).objects.filter(pk=project.pk).update(confidence_threshold=1.0)  # no signal
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"]  # still cached here
    now = member_cache.clock()
    monkeypatch.setattr(member_cache, "clock", lambda: now + MEMBER_CACHE_SECONDS + 0.01)
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"] == []


def test_a_member_removed_in_this_process_is_refused_at_once(
    project, owner, viewer, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    deploy(client_for(owner), "Reviews", "m1")
    client = client_for(viewer)
    assert classify(client, "Reviews", [SPORT[0]])[0]["classes"]  # viewers may classify
    remove_member(project=project, user=viewer)
    response = client.post(
        "/api/projects/Reviews/deployments/prod/classify",
        {"documents": [{"id": "1", "text": SPORT[0]}]},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"


def test_a_repeated_classify_reads_nothing_from_the_database(
    project, owner, client_for, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    client = client_for(owner)
    deploy(client, "Reviews", "m1")
    classify(client, "Reviews", [SPORT[0]])
    with CaptureQueriesContext(connection) as queries:
        classify(client, "Reviews", [SPORT[1]])
    assert len(queries) == 0, [q["sql"] for q in queries]
