"""Deploy, replace, swap and delete through the studio API and Azure's GA authoring routes."""

from __future__ import annotations

import pytest

from training.models import Deployment

pytestmark = pytest.mark.django_db

AZ = "/language/authoring/analyze-text/projects"
V = "?api-version=2023-04-01"


def test_deploy_pins_the_models_current_version(project, owner, client_for, make_model):
    model = make_model(project, version=3, artifact_path="/a/v3")
    response = client_for(owner).put(
        "/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["model_version"] == 3
    row = Deployment.objects.get(project=project, name="prod")
    assert (row.model, row.model_version, row.artifact_path) == (model, 3, "/a/v3")


def test_retraining_does_not_move_a_deployment_until_deployed_again(
    project, owner, client_for, make_model
):
    model = make_model(project, version=1, artifact_path="/a/v1")
    client = client_for(owner)
    client.put("/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json")
    model.version, model.artifact_path = 2, "/a/v2"
    model.save()
    assert Deployment.objects.get(name="prod").artifact_path == "/a/v1"
    client.put("/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json")
    assert Deployment.objects.get(name="prod").artifact_path == "/a/v2"


def test_replace_points_an_existing_deployment_at_another_model(
    project, owner, client_for, make_model
):
    make_model(project, name="m1")
    make_model(project, name="m2", artifact_path="/b/v1")
    client = client_for(owner)
    client.put("/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json")
    response = client.put("/api/projects/Reviews/deployments/prod", {"model": "m2"}, format="json")
    assert response.json()["model"] == "m2"
    assert Deployment.objects.filter(project=project).count() == 1


def test_deploying_an_untrained_model_is_refused(project, owner, client_for, make_model):
    make_model(project, version=0)
    response = client_for(owner).put(
        "/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json"
    )
    assert response.status_code == 400
    assert "not been trained" in response.json()["error"]["message"]


def test_unknown_model_and_bad_name_are_refused(project, owner, client_for, make_model):
    make_model(project)
    client = client_for(owner)
    response = client.put("/api/projects/Reviews/deployments/prod", {"model": "x"}, format="json")
    assert response.status_code == 404
    response = client.put("/api/projects/Reviews/deployments/a%20b", {"model": "m1"}, format="json")
    assert response.status_code == 400


def test_studio_errors_name_the_field_as_the_studio_api_does(
    project, owner, client_for, make_model
):
    make_model(project)
    client = client_for(owner)
    response = client.put("/api/projects/Reviews/deployments/prod", {"model": "x"}, format="json")
    assert response.json()["error"]["target"] == "model"
    response = client.put("/api/projects/Reviews/deployments/a%20b", {"model": "m1"}, format="json")
    assert response.json()["error"]["target"] == "deployment_name"


def test_azure_errors_name_the_field_as_azure_does(project, owner, client_for, make_model):
    make_model(project)
    client = client_for(owner)
    body = {"trainedModelLabel": "x"}
    response = client.put(f"{AZ}/Reviews/deployments/prod{V}", body, format="json")
    assert response.json()["error"]["target"] == "trainedModelLabel"
    body = {"trainedModelLabel": "m1"}
    response = client.put(f"{AZ}/Reviews/deployments/a%20b{V}", body, format="json")
    assert response.json()["error"]["target"] == "deploymentName"


def test_at_most_ten_deployments(project, owner, client_for, make_model):
    make_model(project)
    client = client_for(owner)
    for n in range(10):
        assert (
            client.put(
                f"/api/projects/Reviews/deployments/d{n}", {"model": "m1"}, format="json"
            ).status_code
            == 200
        )
    response = client.put("/api/projects/Reviews/deployments/d10", {"model": "m1"}, format="json")
    assert response.status_code == 409
    # Replacing one of the ten is still fine.
    assert (
        client.put(
            "/api/projects/Reviews/deployments/d3", {"model": "m1"}, format="json"
        ).status_code
        == 200
    )


def test_swap_exchanges_models_and_pinned_versions(project, owner, client_for, make_model):
    make_model(project, name="m1", version=1, artifact_path="/a/v1")
    make_model(project, name="m2", version=4, artifact_path="/b/v4")
    client = client_for(owner)
    client.put("/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json")
    client.put("/api/projects/Reviews/deployments/staging", {"model": "m2"}, format="json")
    response = client.post(
        "/api/projects/Reviews/deployments/swap",
        {"first": "prod", "second": "staging"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    prod = Deployment.objects.get(name="prod")
    assert (prod.model.name, prod.model_version, prod.artifact_path) == ("m2", 4, "/b/v4")
    assert Deployment.objects.get(name="staging").artifact_path == "/a/v1"


def test_delete_and_list(project, owner, client_for, make_model):
    make_model(project)
    client = client_for(owner)
    client.put("/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json")
    listed = client.get("/api/projects/Reviews/deployments").json()["value"]
    assert [(d["name"], d["model"], d["model_f1"]) for d in listed] == [("prod", "m1", 0.9)]
    assert client.delete("/api/projects/Reviews/deployments/prod").status_code == 204
    assert client.delete("/api/projects/Reviews/deployments/prod").status_code == 404


def test_viewers_can_list_but_not_deploy(project, viewer, outsider, client_for, make_model):
    make_model(project)
    assert client_for(viewer).get("/api/projects/Reviews/deployments").status_code == 200
    response = client_for(viewer).put(
        "/api/projects/Reviews/deployments/prod", {"model": "m1"}, format="json"
    )
    assert response.status_code == 403
    assert client_for(outsider).get("/api/projects/Reviews/deployments").status_code == 404


def test_azure_deploy_swap_delete_answer_202_with_a_succeeded_job(
    project, owner, client_for, make_model
):
    make_model(project, name="m1")
    make_model(project, name="m2")
    client = client_for(owner)
    for name, model in (("prod", "m1"), ("staging", "m2")):
        response = client.put(
            f"{AZ}/Reviews/deployments/{name}{V}", {"trainedModelLabel": model}, format="json"
        )
        assert response.status_code == 202
        job = client.get(response["operation-location"]).json()
        assert job["status"] == "succeeded"
    got = client.get(f"{AZ}/Reviews/deployments/prod{V}").json()
    assert got["deploymentName"] == "prod"
    assert got["modelId"] == "m1-v1"
    assert len(client.get(f"{AZ}/Reviews/deployments{V}").json()["value"]) == 2
    response = client.post(
        f"{AZ}/Reviews/deployments/:swap{V}",
        {"firstDeploymentName": "prod", "secondDeploymentName": "staging"},
        format="json",
    )
    assert response.status_code == 202
    assert client.get(response["operation-location"]).json()["status"] == "succeeded"
    assert Deployment.objects.get(name="prod").model.name == "m2"
    response = client.delete(f"{AZ}/Reviews/deployments/prod{V}")
    assert response.status_code == 202
    assert client.get(f"{AZ}/Reviews/deployments/prod{V}").status_code == 404


def test_azure_deployment_errors_use_the_envelope(project, owner, client_for, make_model):
    client = client_for(owner)
    response = client.put(f"{AZ}/Reviews/deployments/prod{V}", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
    response = client.get(f"{AZ}/Nope/deployments{V}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"
    response = client.get(f"{AZ}/Reviews/deployments/nope/jobs/not-a-job{V}")
    assert response.status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().get(f"{AZ}/Reviews/deployments{V}").status_code == 401
