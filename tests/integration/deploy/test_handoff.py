"""The Deploy page's hand-off for the chosen deployment: prediction URL, curl and Python samples
and which key to send, and the curl sample's request works against the studio as written."""

from __future__ import annotations

import html
import json
import re

import pytest

from studio.services import regenerate_api_key
from tests.integration.deploy.conftest import SPORT
from training.deployments import deploy_model
from training.handoff import RUNTIME_API_VERSION

pytestmark = pytest.mark.django_db

PAGE = "/projects/Reviews/deploy/"


@pytest.fixture
def two_deployments(project, make_model):
    make_model(project)
    deploy_model(project=project, name="prod", model_name="m1")
    deploy_model(project=project, name="staging", model_name="m1")


def test_the_first_deployment_is_handed_off_by_default(client, viewer, two_deployments):
    client.force_login(viewer)
    body = html.unescape(client.get(PAGE).content.decode())
    url = f"http://testserver/language/analyze-text/jobs?api-version={RUNTIME_API_VERSION}"
    assert f'<code id="handoff-url">{url}</code>' in body
    assert "Ocp-Apim-Subscription-Key: $STUDIO_KEY" in body
    assert '"deploymentName": "prod"' in body
    assert "begin_single_label_classify(" in body
    assert 'deployment_name="prod"' in body
    assert 'project_name="Reviews"' in body
    assert '<option value="staging">staging</option>' in body


def test_a_chosen_deployment_gets_its_own_samples(client, owner, two_deployments):
    client.force_login(owner)
    body = html.unescape(client.get(PAGE, {"deployment": "staging"}).content.decode())
    assert 'deployment_name="staging"' in body
    assert '"deploymentName": "staging"' in body
    assert "/api/projects/Reviews/deployments/staging/classify" in body


def test_the_page_names_the_callers_keys_but_never_prints_one(client, owner, two_deployments):
    client.force_login(owner)
    assert "You have no key yet" in client.get(PAGE).content.decode()
    key = regenerate_api_key(user=owner, slot=2)
    body = client.get(PAGE).content.decode()
    assert f"key 2 (<code>{key[:8]}…</code>)" in body
    assert key not in body
    assert 'href="/keys/"' in body


def test_multi_label_projects_get_the_multi_label_call(client, owner, multi_project, make_model):
    make_model(multi_project)
    deploy_model(project=multi_project, name="prod", model_name="m1")
    client.force_login(owner)
    body = client.get("/projects/Topics/deploy/").content.decode()
    assert "begin_multi_label_classify(" in body
    assert "CustomMultiLabelClassification" in body


def test_no_hand_off_without_a_deployment(client, owner, project):
    client.force_login(owner)
    assert 'id="handoff"' not in client.get(PAGE).content.decode()


def test_the_curl_samples_request_classifies(
    client, owner, project, make_model, artifacts, client_for
):
    make_model(project, artifact_path=artifacts["v1"])
    deploy_model(project=project, name="prod", model_name="m1")
    client.force_login(owner)
    sample = client.get(PAGE).context["handoff"]
    body = json.loads(re.search(r"-d '(.*?)'\n", sample.curl, re.S).group(1))
    body["analysisInput"]["documents"][0]["text"] = SPORT[0]
    path = sample.prediction_url.removeprefix("http://testserver")
    answer = client_for(owner).post(path, body, format="json")
    assert answer.status_code == 202, answer.content
    job = client_for(owner).get(answer["operation-location"].removeprefix("http://testserver"))
    (item,) = job.json()["tasks"]["items"]
    assert item["results"]["documents"][0]["class"][0]["category"] == "sport"
