"""Every response carries a Content-Security-Policy that allows no inline script."""

import pytest

pytestmark = pytest.mark.django_db


def script_src(response) -> str:
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return directives["script-src"]


def test_a_page_has_a_csp_without_inline_script(client):
    response = client.get("/accounts/login/")
    assert script_src(response) == "'self'"


def test_an_api_response_has_a_csp_without_inline_script(client_for, owner):
    response = client_for(owner).get("/api/projects")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in script_src(response)
