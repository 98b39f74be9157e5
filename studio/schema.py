"""The OpenAPI schema's shared parts: Azure's error envelope on every operation, list answers
wrapped in `{"value": [...]}`, and the `api-version` query parameter of the Azure routes."""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

# Any API route can refuse a request in these ways (studio.errors.api_exception_handler).
ERROR_STATUSES = {
    "400": "The request is invalid.",
    "401": "No valid API key or session.",
    "403": "The caller's role does not allow this.",
    "404": "No such route, project or item, or not visible to the caller.",
    "409": "The request conflicts with the current state.",
    "413": "The request body is too large.",
    "415": "The request body's media type is not accepted.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}

ERROR_DETAIL = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "target": {"type": "string", "nullable": True},
    },
}

ERROR_RESPONSE = {
    "type": "object",
    "description": "Azure's error envelope.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "target": {"type": "string"},
                "details": {"type": "array", "items": ERROR_DETAIL},
                "innererror": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        }
    },
}


def api_version(versions: tuple[str, ...]) -> OpenApiParameter:
    """Azure's routes refuse a request without one of their `api-version`s."""
    return OpenApiParameter("api-version", str, required=True, enum=versions)


@cache
def value_list(item: type[serializers.Serializer]) -> serializers.Serializer:
    """A list answer as the API sends it: `{"value": [items]}`, the way Azure pages lists.
    Cached, so that two routes listing the same item share one component."""
    name = item.__name__.removesuffix("Output")
    return inline_serializer(f"{name}List", fields={"value": item(many=True)})


def error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: declares the error envelope for every operation's refusals, so
    clients and fuzzers see the same shape the exception handler sends."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = ERROR_RESPONSE
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(status, {"description": description, "content": content})
    return result
