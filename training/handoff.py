"""What the Deploy page hands to a developer for one deployment: Azure's prediction URL, a
`curl` sample, a Python sample with Azure's SDK and the studio's own one-call route."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.urls import reverse

from projects.models import Project
from training.api.azure.runtime import MULTI_KIND, SINGLE_KIND
from training.api.azure.versions import API_VERSIONS
from training.models import Deployment

# The newest GA version Azure lists: what a current client sends.
RUNTIME_API_VERSION = max(v for v in API_VERSIONS if not v.endswith("-preview"))
KEY_VARIABLE = "STUDIO_KEY"
SAMPLE_TEXT = "Text to classify"


@dataclass(frozen=True)
class Handoff:
    deployment: str
    prediction_url: str
    curl: str
    python: str
    studio_url: str
    studio_curl: str


def handoff(endpoint: str, project: Project, deployment: Deployment) -> Handoff:
    """The samples for `deployment`, against the studio at `endpoint` (scheme and host).

    Project and deployment names follow Azure's resource rule (letters, digits, `_ . -`), so
    they sit in shell single quotes and Python strings as they are."""
    kind = MULTI_KIND if project.is_multi_label else SINGLE_KIND
    url = f"{endpoint}{reverse('azure-analyze').rstrip('/')}?api-version={RUNTIME_API_VERSION}"
    body = {
        "displayName": "Classify documents",
        "analysisInput": {
            "documents": [{"id": "1", "language": project.language, "text": SAMPLE_TEXT}]
        },
        "tasks": [
            {
                "kind": kind,
                "taskName": "classify",
                "parameters": {"projectName": project.name, "deploymentName": deployment.name},
            }
        ],
    }
    key = f'-H "Ocp-Apim-Subscription-Key: ${KEY_VARIABLE}"'
    curl = (
        f'curl -i -X POST "{url}" \\\n'
        f"  {key} \\\n"
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{json.dumps(body, indent=2)}'\n\n"
        "# The answer is 202 Accepted; read the result at its operation-location header:\n"
        f'curl {key} "<operation-location>"'
    )
    method = (
        "begin_multi_label_classify" if project.is_multi_label else "begin_single_label_classify"
    )
    python = f'''# pip install azure-ai-textanalytics
import os

from azure.ai.textanalytics import TextAnalyticsClient
from azure.core.credentials import AzureKeyCredential

client = TextAnalyticsClient(
    endpoint="{endpoint}",
    credential=AzureKeyCredential(os.environ["{KEY_VARIABLE}"]),
)
poller = client.{method}(
    ["{SAMPLE_TEXT}"],
    project_name="{project.name}",
    deployment_name="{deployment.name}",
)
for document in poller.result():
    if document.is_error:
        print(document.id, document.error.code, document.error.message)
    else:
        for prediction in document.classifications:
            print(document.id, prediction.category, prediction.confidence_score)'''
    studio_url = endpoint + reverse(
        "api-deployment-classify",
        kwargs={"project_name": project.name, "deployment_name": deployment.name},
    )
    documents = json.dumps({"documents": [{"id": "1", "text": SAMPLE_TEXT}]})
    studio_curl = (
        f'curl -X POST "{studio_url}" \\\n'
        f"  {key} \\\n"
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{documents}'"
    )
    return Handoff(deployment.name, url, curl, python, studio_url, studio_curl)
