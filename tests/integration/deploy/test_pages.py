"""The Deploy and Test model pages render for members and list the deployments."""

from __future__ import annotations

import pytest

from training.deployments import deploy_model

pytestmark = pytest.mark.django_db


def test_deploy_page_lists_deployments_with_model_and_f1(client, project, owner, make_model):
    make_model(project)
    deploy_model(project=project, name="prod", model_name="m1")
    client.force_login(owner)
    response = client.get("/projects/Reviews/deploy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-deployment="prod"' in body
    assert "0.900" in body
    assert 'id="deploy-form"' in body


def test_test_model_page_offers_the_deployments(client, project, viewer, make_model):
    make_model(project)
    deploy_model(project=project, name="prod", model_name="m1")
    client.force_login(viewer)
    body = client.get("/projects/Reviews/test/").content.decode()
    assert 'id="test-deployment"' in body
    assert "prod (m1 v1)" in body


def test_pages_are_404_for_outsiders(client, project, outsider):
    client.force_login(outsider)
    assert client.get("/projects/Reviews/deploy/").status_code == 404
    assert client.get("/projects/Reviews/test/").status_code == 404
