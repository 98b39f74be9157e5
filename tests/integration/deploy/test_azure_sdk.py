"""The official `azure-ai-textanalytics` client against a live studio: both classify calls."""

from __future__ import annotations

import re

import pytest
from azure.ai.textanalytics import TextAnalyticsClient
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.policies import SansIOHTTPPolicy

from studio.services import regenerate_api_key
from tests.integration.deploy.conftest import FOOD, SPORT
from training.deployments import deploy_model

pytestmark = pytest.mark.django_db(transaction=True)


def sdk_client(live_server, user) -> TextAnalyticsClient:
    key = regenerate_api_key(user=user, slot=1)
    return TextAnalyticsClient(live_server.url, AzureKeyCredential(key))


def test_begin_single_label_classify(live_server, project, owner, make_model, artifacts):
    make_model(project, artifact_path=artifacts["v1"])
    deploy_model(project=project, name="prod", model_name="m1")
    poller = sdk_client(live_server, owner).begin_single_label_classify(
        [SPORT[0], FOOD[0], ""],
        project_name="Reviews",
        deployment_name="prod",
        polling_interval=0.1,
    )
    results = list(poller.result())
    assert results[0].classifications[0].category == "sport"
    assert results[1].classifications[0].category == "food"
    assert 0 <= results[0].classifications[0].confidence_score <= 1
    assert results[2].is_error
    assert results[2].error.code == "InvalidDocument"


def test_begin_multi_label_classify(live_server, multi_project, owner, make_model, artifacts):
    make_model(multi_project, artifact_path=artifacts["multi"])
    deploy_model(project=multi_project, name="prod", model_name="m1")
    poller = sdk_client(live_server, owner).begin_multi_label_classify(
        [FOOD[2]], project_name="Topics", deployment_name="prod", polling_interval=0.1
    )
    (result,) = list(poller.result())
    assert not result.is_error
    assert "food" in [c.category for c in result.classifications]


class SendsApiVersion(SansIOHTTPPolicy):
    """Makes the 5.4.0 client (which knows 2022-05-01 and 2023-04-01) send a newer api-version
    on every request, the way a current client would."""

    def __init__(self, version: str) -> None:
        self.version = version

    def on_request(self, request) -> None:
        url = request.http_request.url
        request.http_request.url = re.sub(r"api-version=[^&]+", f"api-version={self.version}", url)


@pytest.mark.parametrize("version", ["2024-11-01", "2024-11-15-preview", "2025-05-15-preview"])
def test_the_runtime_answers_current_api_versions(
    live_server, project, owner, make_model, artifacts, version
):
    make_model(project, artifact_path=artifacts["v1"])
    deploy_model(project=project, name="prod", model_name="m1")
    client = TextAnalyticsClient(
        live_server.url,
        AzureKeyCredential(regenerate_api_key(user=owner, slot=1)),
        per_call_policies=[SendsApiVersion(version)],
    )
    poller = client.begin_single_label_classify(
        [SPORT[0]], project_name="Reviews", deployment_name="prod", polling_interval=0.1
    )
    (result,) = list(poller.result())
    assert result.classifications[0].category == "sport"
    assert (
        f"api-version={version}"
        in poller.polling_method()._initial_response.http_response.headers["Operation-Location"]
    )
