"""A URLconf and middleware for test_asgi_handler: they record the thread and mode they ran in."""

from __future__ import annotations

import asyncio
import threading

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.deprecation import MiddlewareMixin

seen: list[tuple[str, int, bool]] = []


class RecordThread(MiddlewareMixin):
    """Sync- and async-capable, as Django's own middleware are (the same base class)."""

    def process_request(self, request: HttpRequest) -> None:
        async_mode = asyncio.iscoroutinefunction(self.get_response)
        seen.append(("middleware", threading.get_ident(), async_mode))


def view(request: HttpRequest) -> JsonResponse:
    seen.append(("view", threading.get_ident(), False))
    return JsonResponse({})


# Named as the public health route, so that the permission table (projects/access.py) lets it by.
urlpatterns = [path("probe", view, name="healthz")]
