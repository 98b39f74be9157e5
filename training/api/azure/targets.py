"""Azure's names for the fields the studio's services name in an error's `target`.

The services speak the studio's snake_case; the Azure routes answer with the name Azure's own
body or route gives that field, so their errors stay the ones Azure's clients expect.
"""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from studio.errors import StudioError

AZURE_TARGETS = {
    "storage_container": "storageInputContainerName",
    "confidence_threshold": "confidenceThreshold",
    "model_name": "modelName",
    "deployment_name": "deploymentName",
    "model": "trainedModelLabel",
}


class AzureTargetsView(APIView):
    """The base of the Azure routes that call the studio's services: an error's target is
    renamed to Azure's word before the one exception handler answers it."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StudioError) and exc.target in AZURE_TARGETS:
            exc.target = AZURE_TARGETS[exc.target]
        return super().handle_exception(exc)
