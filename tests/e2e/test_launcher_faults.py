"""The launcher supervises: a killed worker, Redis or web server is started again while the web
keeps answering, and SIGTERM still stops every child within five seconds."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
import redis
import requests
from celery import Celery

from tests.e2e.test_launcher import (
    PASSWORD,
    free_port,
    launcher_env,
    start_launcher,
    stop_launcher,
    wait_healthy,
)

pytestmark = pytest.mark.e2e


@dataclass
class Launched:
    process: subprocess.Popen
    url: str
    data_dir: Path

    def child(self, marker: str) -> psutil.Process:
        """The launcher's direct child whose command line contains `marker`."""
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.ZombieProcess, psutil.NoSuchProcess):
                if any(marker in part for part in child.cmdline()):
                    return child
        raise LookupError(marker)

    def wait_for_new_child(self, marker: str, old_pid: int, timeout_s: float) -> psutil.Process:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                child = self.child(marker)
                if child.pid != old_pid:
                    return child
            except LookupError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"no new {marker} within {timeout_s} s")


@dataclass
class Poller:
    """Asks for the login page every 100 ms in a thread and keeps every failure."""

    url: str
    failures: list[str] = field(default_factory=list)
    answered: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.done.is_set():
            try:
                status = requests.get(f"{self.url}/accounts/login/", timeout=5).status_code
                if status == 200:
                    self.answered += 1
                else:
                    self.failures.append(f"status {status}")
            except requests.RequestException as error:
                self.failures.append(repr(error))
            time.sleep(0.1)

    def __enter__(self) -> Poller:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


@pytest.fixture(scope="module")
def launched(tmp_path_factory) -> Iterator[Launched]:
    data_dir = tmp_path_factory.mktemp("studio-faults")
    port = free_port()
    process = start_launcher(launcher_env(data_dir, STUDIO_ADMIN_PASSWORD=PASSWORD), port)
    try:
        yield Launched(process, f"http://127.0.0.1:{port}", data_dir)
    finally:
        stop_launcher(process)


def test_killed_training_worker_is_restarted_while_the_web_answers(launched):
    worker = launched.child("training@%h")
    app = Celery(broker=f"redis+socket://{launched.data_dir}/redis.sock")
    with Poller(launched.url) as poller:
        worker.kill()
        launched.wait_for_new_child("training@%h", worker.pid, timeout_s=10)
        # Answering pings means it booted and consumes from the broker again.
        deadline = time.monotonic() + 10
        while not app.control.ping(destination=[f"training@{socket.gethostname()}"], timeout=0.5):
            assert time.monotonic() < deadline, "the new training worker never answered a ping"
    assert poller.failures == []
    assert poller.answered > 10


def test_killed_redis_is_restarted_while_pages_answer(launched):
    server = launched.child("redis-server")
    with Poller(launched.url) as poller:
        server.kill()
        launched.wait_for_new_child("redis-server", server.pid, timeout_s=5)
        client = redis.Redis(unix_socket_path=str(launched.data_dir / "redis.sock"))
        deadline = time.monotonic() + 5
        while True:
            try:
                assert client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "the new Redis never answered"
                time.sleep(0.1)
        # The workers find the new Redis by themselves (or are restarted), so all is healthy.
        wait_healthy(launched.url, launched.process, timeout_s=30)
    assert poller.failures == []


# Last in this module: it stops the studio the tests above share.
def test_sigterm_stops_every_child_within_5s_even_after_a_restart(launched):
    web = launched.child("daphne")
    web.kill()
    launched.wait_for_new_child("daphne", web.pid, timeout_s=5)
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{launched.url}/accounts/login/", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            assert time.monotonic() < deadline, "the restarted web server never answered"
            time.sleep(0.1)
    children = psutil.Process(launched.process.pid).children(recursive=True)

    started = time.monotonic()
    launched.process.send_signal(signal.SIGTERM)
    launched.process.wait(timeout=5)
    _, alive = psutil.wait_procs(children, timeout=max(0.0, 5 - (time.monotonic() - started)))
    assert [child.pid for child in alive if child.status() != psutil.STATUS_ZOMBIE] == []
