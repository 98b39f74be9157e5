"""The `api-version`s Azure's current docs list for the Language service's text routes: one
list for the authoring, deployment and runtime routes alike, and the check every route makes."""

from __future__ import annotations

from rest_framework.request import Request

from studio.errors import ValidationError

API_VERSIONS = (
    "2022-05-01",
    "2023-04-01",
    "2024-11-01",
    "2022-10-01-preview",
    "2023-04-15-preview",
    "2023-11-15-preview",
    "2024-05-15-preview",
    "2024-11-15-preview",
    "2025-05-15-preview",
)


def api_version(request: Request) -> str:
    """The request's `api-version`, refused in Azure's words when missing or unknown."""
    version = request.query_params.get("api-version")
    if not version:
        raise ValidationError(
            "The api-version query parameter is required.", inner_code="InvalidParameterValue"
        )
    if version not in API_VERSIONS:
        raise ValidationError(
            f"The api-version {version!r} is not supported; use one of {', '.join(API_VERSIONS)}.",
            inner_code="InvalidParameterValue",
        )
    return version
