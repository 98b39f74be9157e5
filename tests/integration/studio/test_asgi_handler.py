"""The studio's ASGI handler runs a request's middleware chain and view in one worker thread."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import override_settings

from studio.asgi_handler import SyncStackASGIHandler
from tests.integration.studio import thread_probe

PROBE = "tests.integration.studio.thread_probe.RecordThread"


def serve_one_request(handler: SyncStackASGIHandler) -> tuple[int, int]:
    """GET /probe through the handler on an event loop of its own (in a thread of its own, since
    the browser tests leave one running in the main thread); the response status and the event
    loop's thread."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/probe",
        "raw_path": b"/probe",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
    }

    async def serve() -> tuple[int, int]:
        communicator = ApplicationCommunicator(handler, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        await communicator.receive_output(10)
        return start["status"], threading.get_ident()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, serve()).result()


def test_middleware_and_view_run_in_sync_mode_in_one_worker_thread():
    thread_probe.seen.clear()
    with override_settings(
        ROOT_URLCONF="tests.integration.studio.thread_probe",
        MIDDLEWARE=[PROBE, *settings.MIDDLEWARE, PROBE],  # outermost and innermost
    ):
        status, loop_thread = serve_one_request(SyncStackASGIHandler())
    assert status == 200
    kinds = [kind for kind, _, _ in thread_probe.seen]
    assert kinds == ["middleware", "middleware", "view"]
    threads = {ident for _, ident, _ in thread_probe.seen}
    assert len(threads) == 1
    assert threads != {loop_thread}
    assert not any(async_mode for _, _, async_mode in thread_probe.seen)


def test_later_requests_reuse_the_thread_of_an_earlier_one():
    """Threads are reused (as a WSGI server's pool would): a thread's database connection serves
    its next requests instead of one being opened per request."""
    thread_probe.seen.clear()
    handler = SyncStackASGIHandler()
    with override_settings(ROOT_URLCONF="tests.integration.studio.thread_probe"):
        for _ in range(3):
            assert serve_one_request(handler)[0] == 200
    views = {ident for kind, ident, _ in thread_probe.seen if kind == "view"}
    assert len(views) == 1
