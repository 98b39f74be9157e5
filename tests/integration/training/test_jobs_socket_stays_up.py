"""An idle project page's job websocket stays open on a real server, with nothing in its log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from studio import processes
from tests.conftest import ROOT, subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HOLD_S = 65


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, Path]]:
    """Daphne on this run's database and Redis, as deployed; its URL and its log file."""
    log = tmp_path / "daphne.log"
    web, url = processes.start_asgi_server(
        subprocess_env(STUDIO_LOG_LEVEL="WARNING"), cwd=ROOT, log=log
    )
    try:
        yield url, log
    finally:
        processes.stop_all([web])


def test_an_idle_socket_stays_open_for_a_minute_without_errors(server, project, viewer, client):
    url, log = server
    client.force_login(viewer)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with connect(
        f"{url.replace('http://', 'ws://')}/ws/projects/{project.name}/jobs/",
        origin=url,
        additional_headers={"Cookie": cookie},
    ) as socket:
        assert '"snapshot"' in socket.recv(timeout=10)
        deadline = time.monotonic() + HOLD_S
        while time.monotonic() < deadline:
            # A closed socket raises here; a reconnect would have sent another snapshot.
            socket.send('{"type": "ping"}')
            assert socket.recv(timeout=10) == '{"type": "pong"}'
            time.sleep(15)
    text = log.read_text()
    assert "Traceback" not in text, text
    assert " ERROR " not in text, text
