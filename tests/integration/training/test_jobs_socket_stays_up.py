"""An idle project page's job websocket stays open on a real server, with nothing in its log."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

from tests.conftest import ROOT, subprocess_env
from tests.e2e.test_launcher import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HOLD_S = 65


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[int, Path]]:  # type: ignore[no-untyped-def]
    """Daphne on this run's database and Redis, as deployed; its port and its log file."""
    port = free_port()
    log = tmp_path / "daphne.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port),
             "studio.asgi:application"],
            cwd=ROOT, env=subprocess_env(STUDIO_LOG_LEVEL="WARNING"), stdout=out, stderr=out,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
            break
        except requests.ConnectionError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "Daphne did not start"
            time.sleep(0.3)
    try:
        yield port, log
    finally:
        process.terminate()
        process.wait(10)


def test_an_idle_socket_stays_open_for_a_minute_without_errors(server, project, viewer, client):
    port, log = server
    client.force_login(viewer)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with connect(
        f"ws://127.0.0.1:{port}/ws/projects/{project.name}/jobs/",
        origin=f"http://127.0.0.1:{port}",
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
