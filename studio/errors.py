"""Domain errors raised by services, and the one place that turns API errors into Azure's envelope.

Every API answer that is not a success looks like
`{"error": {"code": ..., "message": ..., "details": [...], "innererror": {...}}}`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from projects.formats.sizes import size_text

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/language/")
# What the database driver raises while the server is down, restarting or unreachable (and for
# the other transient failures it files under the same class: a deadlock, SQLite's lock
# timeout): the request is answered 503 with Retry-After, and the next one connects afresh.
DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_S = 5
DATABASE_DOWN_MESSAGE = "The studio's database is unavailable; try again in a few seconds."


class StudioError(Exception):
    status = 400
    code = "InvalidRequest"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        target: str | None = None,
        inner_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []
        self.target = target
        self.inner_code = inner_code


class ValidationError(StudioError):
    status = 400
    code = "InvalidArgument"


class NotFound(StudioError):
    status = 404
    code = "NotFound"


class PermissionDenied(StudioError):
    status = 403
    code = "Forbidden"


class Conflict(StudioError):
    status = 409
    code = "Conflict"


class TooLarge(StudioError):
    status = 413
    code = "RequestTooLarge"


def too_large_message(limit: int) -> str:
    return f"The request body is larger than the {size_text(limit)} this studio accepts."


def _parse_limit_error(exc: SuspiciousOperation) -> tuple[int, str] | None:
    """Django's refusals of an oversized or over-long form or JSON body, as status and message."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, f"The JSON or form body is larger than the {size_text(limit)} accepted."
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return 400, f"More than {limit} files in one upload: zip them and upload the zip."
    if isinstance(exc, TooManyFieldsSent):
        return 400, f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields in one form."
    return None


def envelope(
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    target: str | None = None,
    inner_code: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    if details:
        error["details"] = details
    if inner_code:
        error["innererror"] = {"code": inner_code, "message": message}
    return {"error": error}


def _field_details(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested validation errors into Azure's `details` list, one per field."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            target = f"{prefix}.{key}" if prefix else str(key)
            items.extend(_field_details(value, target))
        return items
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [
                {"code": "InvalidArgument", "message": str(item), "target": prefix or None}
                for item in detail
            ]
        items = []
        for index, item in enumerate(detail):
            items.extend(_field_details(item, f"{prefix}[{index}]"))
        return items
    return [{"code": "InvalidArgument", "message": str(detail), "target": prefix or None}]


def _drf_error(exc: drf.APIException) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, drf.ValidationError):
        details = _field_details(exc.detail)
        message = "; ".join(
            f"{d['target']}: {d['message']}" if d.get("target") else d["message"] for d in details
        )
        return 400, envelope("InvalidArgument", message or "Invalid request.", details=details)
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        message = (
            str(exc.detail)
            if isinstance(exc, drf.AuthenticationFailed)
            else "Access denied: provide a valid key in the Ocp-Apim-Subscription-Key header, "
            "or sign in."
        )
        return 401, envelope("Unauthorized", message)
    if isinstance(exc, drf.PermissionDenied):
        return 403, envelope("Forbidden", str(exc.detail))
    if isinstance(exc, drf.NotFound):
        return 404, envelope("NotFound", str(exc.detail))
    if isinstance(exc, drf.Throttled):
        return 429, envelope("TooManyRequests", str(exc.detail))
    if isinstance(exc, drf.ParseError):
        return 400, envelope("InvalidRequest", f"The request body could not be read: {exc.detail}")
    if isinstance(exc, drf.UnsupportedMediaType):
        return 415, envelope("InvalidRequest", str(exc.detail))
    return exc.status_code, envelope("InvalidRequest", str(exc.detail))


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: domain errors, DRF errors and Django errors, all in one envelope."""
    headers: dict[str, str] = {}
    if isinstance(exc, StudioError):
        status = exc.status
        body = envelope(
            exc.code,
            exc.message,
            details=exc.details,
            target=exc.target,
            inner_code=exc.inner_code,
        )
    elif isinstance(exc, Http404):
        status, body = 404, envelope("NotFound", str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        status, body = 403, envelope("Forbidden", str(exc) or "Permission denied.")
    elif isinstance(exc, DjangoValidationError):
        status, body = 400, envelope("InvalidArgument", "; ".join(exc.messages))
    elif isinstance(exc, SuspiciousOperation):
        # Oversized bodies, and a name that would leave its storage container (storage.py).
        status, message = _parse_limit_error(exc) or (400, str(exc))
        body = envelope("RequestTooLarge" if status == 413 else "InvalidRequest", message)
    elif isinstance(exc, drf.APIException):
        status, body = _drf_error(exc)
        if isinstance(exc, drf.Throttled) and exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
    elif isinstance(exc, DATABASE_ERRORS):
        log.warning("Answered 503: the database is unavailable: %s", exc)
        status, body = 503, envelope("ServiceUnavailable", DATABASE_DOWN_MESSAGE)
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    else:
        log.exception("Unhandled error in an API view", exc_info=exc)
        status, body = (
            500,
            envelope("InternalServerError", "The studio failed to handle this request."),
        )
    # Here, not at the top: rest_framework.views loads DRF's settings, whose permission class
    # (projects.access.FromTable) imports this module.
    from rest_framework.views import set_rollback

    set_rollback()
    return Response(body, status=status, headers=headers)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def not_found(request: HttpRequest, exception: Exception | None = None) -> Any:
    """URL-level 404: JSON for API paths, the page for everything else."""
    if is_api_path(request.path):
        message = f"No route matches {request.method} {request.path}."
        return JsonResponse(envelope("NotFound", message), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> Any:
    """Django's 400 for a suspicious request, raised outside DRF (a page's form, a middleware):
    an oversized body is a 413, and API paths answer in the envelope."""
    limit_error = (
        _parse_limit_error(exception) if isinstance(exception, SuspiciousOperation) else None
    )
    status, message = limit_error or (400, "The request could not be read.")
    if is_api_path(request.path):
        code = "RequestTooLarge" if status == 413 else "InvalidRequest"
        return JsonResponse(envelope(code, message), status=status)
    if limit_error is None:
        from django.views.defaults import bad_request as page_bad_request

        return page_bad_request(request, exception)
    return plain_page(message, status=status)


def plain_page(message: str, *, status: int) -> HttpResponse:
    """A page with no template, no script and no database: for answers given before a view."""
    titles = {413: "Request too large", 503: "Service unavailable"}
    title = titles.get(status, "Bad request")
    html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: Azure's envelope on API paths, a plain page elsewhere (the usual
    error page may need the database it could not reach)."""
    if is_api_path(request.path):
        response: HttpResponse = JsonResponse(
            envelope("ServiceUnavailable", DATABASE_DOWN_MESSAGE), status=503
        )
    else:
        response = plain_page(DATABASE_DOWN_MESSAGE, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


def server_error(request: HttpRequest) -> Any:
    """Django's handler500, called while the uncaught exception is being handled: a database
    that went away (raised by a middleware, a page or a DRF authentication step) is a 503."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    if is_api_path(request.path):
        body = envelope("InternalServerError", "The studio failed to handle this request.")
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error as page_server_error

    return page_server_error(request)
