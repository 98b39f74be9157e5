"""Django's ASGI handler, made to run a request's middleware and view in one worker thread."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncStackASGIHandler(ASGIHandler):
    """Every view of the studio is synchronous (DRF and Django views) and Django's stock
    middleware can run either way. The stock handler runs each of those middlewares in async
    mode, which hops to a worker thread and back for every `process_request` and
    `process_response`: about thirty thread hops per request, which on a 2-core machine cost
    more than classifying a short document. Here the chain is built in sync mode and entered
    once, so a request crosses into its worker thread once (as many times as under WSGI)."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
