"""`manage.py studio` on a fresh data folder: everything comes up, talks, and stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
import websockets
from channels_redis.core import RedisChannelLayer

from studio.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "launcher-test-password"
pytestmark = pytest.mark.e2e


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the launcher exited early"
        try:
            response = requests.get(f"{url}/healthz", timeout=3)
            if response.status_code == 200:
                return response.json()
        except (requests.ConnectionError, requests.Timeout):
            pass  # not up yet, or too busy starting to answer within 3 s
        time.sleep(0.5)
    raise AssertionError("the studio never became healthy")


def launcher_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a launcher that owns `data_dir`: its own SQLite database and embedded
    Redis, never the test run's, whatever this run was pointed at."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}  # fmt: skip
    return env | {"STUDIO_DATA_DIR": str(data_dir), **extra}


def start_launcher(env: dict[str, str], port: int) -> subprocess.Popen:
    """`manage.py studio` as a user starts it, returned once /healthz says every part is up; a
    launcher that never gets there is killed, so a failed start leaves nothing running."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "studio", "--port", str(port)], cwd=ROOT, env=env
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process


def stop_launcher(process: subprocess.Popen, timeout_s: float = 15) -> None:
    """Ctrl-C, as a user stops it; killed when it is still there after `timeout_s`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sign_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(
        f"{url}/accounts/login/",
        data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
    )
    return session


def create_project(url: str, session: requests.Session) -> None:
    page = session.get(f"{url}/projects/new/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{url}/projects/new/",
        data={"name": "Launch", "kind": "single_label", "language": "en",
              "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/projects/new/"},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 302


async def receive_broadcast(url: str, cookie: str, redis_url: str, prefix: str) -> dict:
    ws_url = url.replace("http://", "ws://") + "/ws/projects/Launch/jobs/"
    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": url}
    ) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot"
        # From this (other) process, through the launcher's Redis, to the browser's socket.
        layer = RedisChannelLayer(hosts=[redis_url], prefix=prefix)
        group = f"project-{snapshot['project']['id']}.jobs"
        await layer.group_send(group, {"type": "job.event", "event": {"type": "hello"}})
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


def test_launcher_runs_everything_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = launcher_env(tmp_path, STUDIO_ADMIN_PASSWORD=PASSWORD, STUDIO_CHANNEL_PREFIX="studio")
    launcher = start_launcher(env, port)
    try:
        health = requests.get(f"{url}/healthz", timeout=10).json()
        assert health["checks"]["worker"]["ok"]
        children = psutil.Process(launcher.pid).children(recursive=True)
        assert len(children) >= 4  # redis, two workers (and their pools), the ASGI server

        assert "Sign in" in requests.get(f"{url}/accounts/login/").text
        session = sign_in(url)
        create_project(url, session)
        cookie = f"sessionid={session.cookies['sessionid']}"
        redis_url = f"unix://{tmp_path}/redis.sock"
        # In a thread of its own: Playwright's sync API may hold this thread's event loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            event = pool.submit(
                asyncio.run, receive_broadcast(url, cookie, redis_url, "studio")
            ).result()
        assert event == {"type": "hello"}

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=10) == 0
        time.sleep(0.5)
        assert [child.pid for child in children if child.is_running()
                and child.status() != psutil.STATUS_ZOMBIE] == []  # fmt: skip
    finally:
        if launcher.poll() is None:
            launcher.kill()
