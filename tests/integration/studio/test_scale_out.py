"""Scale-out in miniature: the processes of docs/deployment.md's several-host layout, started
separately on one PostgreSQL database and one Redis server (127.0.0.1, as on CI machines):
two web processes, two training workers and a default worker running beat.

Two projects train at the same time on different workers; the one-active-job rule holds across
web processes; a websocket on web A hears a job started through web B; both web processes
classify with a model deployed through one of them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
import redis
import requests
import websockets

from studio import processes
from tests.integration.studio import live_studio
from tests.integration.training.conftest import TEXTS

pytestmark = pytest.mark.slow
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_SERVER = "redis://127.0.0.1:6379"
CLAIM_KEY = "studio-scale-out-test:claim"
# Database numbers that the Makefile's services leg and other runs use; never claimed here.
RESERVED_REDIS_DBS = {0, 13, 15}

# Runs in `manage.py shell`: two single-label projects of tagged documents owned by USERNAME.
SEED_PROJECTS = """
import json
from django.contrib.auth import get_user_model
from projects.models import Class
from projects.services import create_document, create_project
owner = get_user_model().objects.get(username=USERNAME)
for name in ("Alpha", "Beta"):
    project = create_project(owner=owner, name=name, kind="single_label")
    for order, (label, texts) in enumerate(json.loads(EXAMPLES).items()):
        category = Class.objects.create(project=project, name=label, order=order)
        for i, text in enumerate(texts):
            create_document(project, name=f"{label}-{i}.txt", text=text, classes=[category])
"""


def _services_answer() -> bool:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=2).ping()
    except (psycopg.Error, redis.RedisError):
        return False
    return True


@pytest.fixture(scope="module")
def services() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database and a Redis database number of this module's own (claimed
    with a key, so concurrent runs on one machine pick different numbers); both are dropped
    afterwards. Answers their URLs."""
    if not _services_answer():
        pytest.skip("PostgreSQL or Redis is not running on 127.0.0.1")
    name = f"studio_scaleout_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    claimed = None
    for number in range(1, 16):
        if number in RESERVED_REDIS_DBS:
            continue
        client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}")
        if client.set(CLAIM_KEY, os.getpid(), nx=True, ex=900):
            if client.dbsize() == 1:
                claimed = client
                break
            client.delete(CLAIM_KEY)
    assert claimed is not None, "no empty Redis database to use"
    number = claimed.connection_pool.connection_kwargs["db"]
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}", f"{REDIS_SERVER}/{number}"
    finally:
        claimed.flushdb()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_healthy(url: str, workers: set[str], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            report = requests.get(f"{url}/healthz", timeout=3).json()
            names = {name.split("@")[0] for name in report["checks"]["worker"].get("workers", [])}
            if report["status"] == "ok" and workers <= names:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"{url} never saw the workers {workers}"
        time.sleep(0.3)


async def _listen(
    url: str, cookie: str, project: str, ready: threading.Event, timeout_s: float
) -> list[dict]:
    """Every event on the project's socket until a job.finished one."""
    ws_url = url.replace("http://", "ws://") + f"/ws/projects/{project}/jobs/"
    events = []
    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": url}
    ) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot"
        ready.set()
        deadline = time.monotonic() + timeout_s
        while not events or events[-1]["type"] != "job.finished":
            left = deadline - time.monotonic()
            events.append(json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.1))))
    return events


def _wait_job(url: str, key: str, project: str, job_id: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        job = requests.get(
            f"{url}/api/projects/{project}/jobs/{job_id}",
            headers={"Ocp-Apim-Subscription-Key": key},
            timeout=10,
        ).json()
        if job["ended_at"]:
            return job
        assert time.monotonic() < deadline, f"{project} job still {job['status']}"
        time.sleep(0.3)


def _wait_for(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _succeeded_tasks(log: Path) -> int:
    return sum("training.run_job[" in line and "succeeded" in line for line in log.open())


def test_two_web_processes_and_two_training_workers_share_one_studio(services, tmp_path):
    database_url, redis_url = services
    env = live_studio.studio_env(
        tmp_path / "shared",
        database_url,
        REDIS_URL=redis_url,
        STUDIO_CHANNEL_PREFIX=f"scale-out-{os.getpid()}",
    )
    live_studio.manage(env, "migrate", "--no-input", "-v", "0")
    seed = f"EXAMPLES = {json.dumps(TEXTS)!r}\n{SEED_PROJECTS}"
    key = live_studio.create_user(env, "dana", then=seed)

    web_a, url_a = live_studio.start_web(env, tmp_path / "web-a.log")
    web_b, url_b = live_studio.start_web(env, tmp_path / "web-b.log")
    workers = [
        live_studio.start(
            processes.celery_worker(name, "training", 1), env, tmp_path / f"{name}.log"
        )
        for name in ("training-1", "training-2")
    ]
    workers.append(
        live_studio.start(
            processes.celery_worker("default", "default", 1, beat=True),
            env,
            tmp_path / "default.log",
        )
    )
    children = [web_a, web_b, *workers]
    try:
        live_studio.wait_answers(url_a, web_a)
        live_studio.wait_answers(url_b, web_b)
        _wait_healthy(url_a, {"training-1", "training-2", "default"})
        session = live_studio.sign_in(url_a, "dana")
        cookie = f"sessionid={session.cookies['sessionid']}"
        # Sessions live in the database: signed in on A is signed in on B.
        assert session.get(f"{url_b}/projects/", allow_redirects=False).status_code == 200
        headers = {"Ocp-Apim-Subscription-Key": key}
        train = {"model_name": "m1", "mode": "quick"}

        ready = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            heard = pool.submit(asyncio.run, _listen(url_a, cookie, "Beta", ready, 120))
            assert ready.wait(15), "the socket on web A never sent its snapshot"

            alpha = requests.post(
                f"{url_a}/api/projects/Alpha/train", json=train, headers=headers, timeout=30
            )
            assert alpha.status_code == 202, alpha.text
            again = requests.post(
                f"{url_b}/api/projects/Alpha/train",
                json={**train, "model_name": "m2"},
                headers=headers,
                timeout=30,
            )
            assert again.status_code == 409, again.text
            assert again.json()["error"]["code"] == "Conflict"
            beta = requests.post(
                f"{url_b}/api/projects/Beta/train", json=train, headers=headers, timeout=30
            )
            assert beta.status_code == 202, beta.text
            events = heard.result(timeout=150)

        beta_id = beta.json()["job_id"]
        assert {event["job_id"] for event in events} == {beta_id}
        # job.created comes from web B's process, the others from a training worker.
        assert {"job.created", "job.started", "job.progress"} <= {e["type"] for e in events}
        assert events[-1]["status"] == "succeeded"

        jobs = [
            _wait_job(url_b, key, "Alpha", alpha.json()["job_id"]),
            _wait_job(url_a, key, "Beta", beta_id),
        ]
        assert [job["status"] for job in jobs] == ["succeeded", "succeeded"]
        started = [datetime.fromisoformat(job["started_at"]) for job in jobs]
        ended = [datetime.fromisoformat(job["ended_at"]) for job in jobs]
        assert max(started) < min(ended), "the two trainings did not run at the same time"
        # Each training worker runs one job at a time, so overlapping jobs had one each. Celery
        # logs a task's success after the task has saved the job, so the line may come later.
        assert _wait_for(
            lambda: [_succeeded_tasks(tmp_path / f"training-{n}.log") for n in (1, 2)] == [1, 1]
        ), "each training worker did not log one finished training"

        deployed = requests.put(
            f"{url_a}/api/projects/Alpha/deployments/prod",
            json={"model": "m1"},
            headers=headers,
            timeout=60,
        )
        assert deployed.status_code == 200, deployed.text
        documents = {"documents": [{"id": "1", "text": "The striker scored a late goal"}]}
        for url in (url_a, url_b):
            answer = requests.post(
                f"{url}/api/projects/Alpha/deployments/prod/classify",
                json=documents,
                headers=headers,
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["documents"][0]["classes"][0]["category"] == "sport"
        assert all(child.alive for child in children)
    finally:
        processes.stop_all(children, grace_s=5)
