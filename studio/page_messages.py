"""Django's messages ("Project created.", form errors shown on the next page), for pages only."""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest

from studio.errors import is_api_path


class PageMessageMiddleware(MessageMiddleware):
    """Setting up the message storage (a signed cookie and the session behind it) costs an API
    request as much as its own database query, and no API view sends a message: API paths
    skip it. Django's own `process_response` already passes over a request without storage."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_api_path(request.path):
            super().process_request(request)
