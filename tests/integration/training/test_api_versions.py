"""One list of Azure's api-versions serves the authoring, deployment and runtime routes, and
the training configuration is answered dated, as Azure does."""

from __future__ import annotations

import pytest

from training.api.azure.shapes import TRAINING_CONFIG_VERSION
from training.api.azure.versions import API_VERSIONS

pytestmark = pytest.mark.django_db

AZ = "/language/authoring/analyze-text/projects"


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize(
    "path",
    [
        f"{AZ}",
        f"{AZ}/Reviews",
        f"{AZ}/Reviews/deployments",
        f"{AZ}/global/training-config-versions",
    ],
)
def test_every_listed_version_is_accepted_by_the_authoring_routes(
    client_for, owner, project, path, version
):
    assert client_for(owner).get(f"{path}?api-version={version}").status_code == 200


@pytest.mark.parametrize("path", [f"{AZ}/Reviews/deployments", "/language/analyze-text/jobs/x"])
def test_an_unknown_version_is_refused_in_azures_envelope(client_for, owner, project, path):
    answer = client_for(owner).get(f"{path}?api-version=2019-01-01")
    assert answer.status_code == 400
    assert answer.json()["error"]["innererror"]["code"] == "InvalidParameterValue"


def test_the_training_config_version_is_dated_and_latest_is_accepted(client_for, owner, project):
    client = client_for(owner)
    versions = client.get(f"{AZ}/global/training-config-versions?api-version=2024-11-01").json()
    assert [v["trainingConfigVersion"] for v in versions["value"]] == [TRAINING_CONFIG_VERSION]
    assert TRAINING_CONFIG_VERSION != "latest"
    unknown = client.post(
        f"{AZ}/Reviews/:train?api-version=2024-11-01",
        {"modelLabel": "m", "trainingConfigVersion": "1999-01-01"},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["target"] == "trainingConfigVersion"
