"""API errors always come back in Azure's envelope, never as a page or a traceback."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_route_answers_404_envelope(owner, client_for):
    response = client_for(owner).get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"


def test_malformed_json_answers_400_envelope(owner, client_for):
    response = client_for(owner).post(
        "/api/projects", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequest"


def test_invalid_fields_answer_400_with_details(owner, client_for):
    response = client_for(owner).post("/api/projects", {"name": "x y"}, format="json")
    body = response.json()["error"]
    assert response.status_code == 400
    assert {detail["target"] for detail in body["details"]} == {"kind"}


def test_invalid_project_name_answers_400(owner, client_for):
    response = client_for(owner).post(
        "/api/projects", {"name": "has space", "kind": "single_label"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "name"


def test_duplicate_project_answers_409(project, owner, client_for):
    response = client_for(owner).post(
        "/api/projects", {"name": project.name.lower(), "kind": "single_label"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ProjectAlreadyExists"


def test_viewer_cannot_delete_a_project(project, viewer, client_for):
    response = client_for(viewer).delete(f"/api/projects/{project.name}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Forbidden"


def test_method_not_allowed_answers_405_envelope(owner, client_for):
    response = client_for(owner).put("/api/projects", {}, format="json")
    assert response.status_code == 405
    assert "error" in response.json()
