"""Foundation pages: sign in and out, the project list, creating a project, the shell, keys."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_pages_need_sign_in(client):
    response = client.get("/projects/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_sign_in_and_out(client, owner):
    response = client.post(
        "/accounts/login/", {"username": "olivia", "password": "a-good-password-42"}
    )
    assert response.status_code == 302
    assert client.get("/projects/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/projects/").status_code == 302


def test_empty_project_list_invites_to_create_one(signed_in):
    response = signed_in.get("/projects/")
    assert b"No projects yet" in response.content


def test_project_list_shows_cards_with_counts(signed_in, project):
    html = signed_in.get("/projects/").content.decode()
    assert project.name in html
    assert "Single-label classification" in html
    assert "Documents" in html
    assert "Last trained model" in html


def test_create_project_from_the_form(signed_in):
    response = signed_in.post(
        "/projects/new/", {"name": "Tickets", "kind": "multi_label", "language": "en"}
    )
    assert response.status_code == 302
    assert response.url == "/projects/Tickets/"


def test_create_project_explains_a_bad_name(signed_in):
    response = signed_in.post(
        "/projects/new/", {"name": "bad name", "kind": "single_label", "language": "en"}
    )
    assert response.status_code == 200
    assert "no spaces" in response.content.decode()


def test_project_shell_has_the_language_studio_menu(signed_in, project):
    html = signed_in.get(f"/projects/{project.name}/data/").content.decode()
    for item in (
        "Data",
        "Tag",
        "Train",
        "Model performance",
        "Improve model",
        "Deploy",
        "Test model",
        "Settings",
    ):
        assert f"</span>{item}</a>" in html


def test_non_member_gets_404_for_project_pages(client, outsider, project):
    client.force_login(outsider)
    assert client.get(f"/projects/{project.name}/data/").status_code == 404


def test_keys_page_shows_a_new_key_once(signed_in, owner):
    signed_in.post("/keys/1/regenerate/")
    first = signed_in.get("/keys/").content.decode()
    key = re.search(r'data-testid="new-key-1">([0-9a-f]{64})<', first).group(1)
    second = signed_in.get("/keys/").content.decode()
    assert key not in second
    assert key[:8] in second
    assert "http://testserver" in first
