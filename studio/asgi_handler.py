"""Django's ASGI handler, made to run a request's middleware and view in one worker thread that
later requests reuse, and to refuse a body over STUDIO_MAX_REQUEST_BYTES before reading it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.db import connections
from django.http import HttpResponse, JsonResponse

from studio.errors import envelope, is_api_path, plain_page, too_large_message


class BodyTooLarge(Exception):
    """The body read so far is over the cap (a chunked body declares no length)."""


def _declared_length(scope: dict[str, Any]) -> int:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # Django answers a malformed length itself
    return 0


def too_large(path: str) -> HttpResponse:
    """413 in Azure's envelope on API paths, a plain page elsewhere."""
    message = too_large_message(settings.STUDIO_MAX_REQUEST_BYTES)
    if is_api_path(path):
        return JsonResponse(envelope("RequestTooLarge", message), status=413)
    return plain_page(message, status=413)


class SyncStackASGIHandler(ASGIHandler):
    """Every view of the studio is synchronous (DRF and Django views) and Django's stock
    middleware can run either way. The stock handler runs each of those middlewares in async
    mode, which hops to a worker thread and back for every `process_request` and
    `process_response`: about thirty thread hops per request, which on a 2-core machine cost
    more than classifying a short document. Here the chain is built in sync mode and entered
    once, so a request crosses into its worker thread once (as many times as under WSGI)."""

    # Idle request threads kept for the next requests; more run at once when more requests do.
    IDLE_THREADS = 8

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The stock handler gives every request a new thread (and a second one to join it
        afterwards), so each request also opened a new database connection, as connections are
        per thread. A request here borrows an idle one-thread executor instead, as a WSGI
        server's thread pool would: its thread keeps its connection for CONN_MAX_AGE. A request
        that did not send its whole response (a client gone mid-view, an error) may leave its
        thread still running the view, so that thread is not lent again."""
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(1, "request")
        answered = False

        async def send_and_note(message: dict[str, Any]) -> None:
            nonlocal answered
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered = True

        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send_and_note)
        finally:
            if answered and len(self._idle) < self.IDLE_THREADS:
                self._idle.append(executor)
            else:
                _retire(executor)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A declared length over the cap is answered at once: Django would first copy the
        body into a temporary file, and a view might then read it into memory."""
        try:
            if _declared_length(scope) > settings.STUDIO_MAX_REQUEST_BYTES:
                raise BodyTooLarge
            await super().handle(scope, receive, send)
        except BodyTooLarge:
            await self.send_response(too_large(scope["path"]), send)

    async def read_body(self, receive: Any) -> Any:
        """Django's copy of the body, stopped once it passes the cap whatever the length said."""
        limit = settings.STUDIO_MAX_REQUEST_BYTES
        received = 0

        async def counted() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        return await super().read_body(counted)


def _retire(executor: ThreadPoolExecutor) -> None:
    """Close the thread's database connections in the thread itself (a connection belongs to the
    thread that opened it), then let the thread end, without making the event loop wait."""
    executor.submit(_close_connections)
    executor.shutdown(wait=False)


def _close_connections() -> None:
    connections.close_all()
