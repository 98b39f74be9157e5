"""Training jobs survive the launcher's faults: a killed training worker fails its job as worker
lost and the project trains again, a killed Redis keeps the job queued behind a running one, and
after Ctrl-C and a new start the queued job runs and no project stays locked.

Real launcher, jobs through the studio API with an API key, short stale and resend ages. What
makes it deterministic: the "running" job is a standard fine-tune of 100 epochs on a few hundred
documents (many minutes, even on a fast machine) observed in its fine-tuning loop before any
fault; the training worker runs one job at a time and reserves no other (concurrency 1, prefetch
1), so a job of a second project started after it stays queued; and every test leaves every job
ended, so no project is locked for the next one.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from websockets.sync.client import connect

from tests.e2e.conftest import Studio, seed_project
from tests.e2e.test_launcher import (
    PASSWORD,
    ROOT,
    free_port,
    launcher_env,
    sign_in,
    start_launcher,
    stop_launcher,
    wait_healthy,
)
from tests.e2e.test_launcher_faults import Launched, Poller
from tests.integration.training.conftest import TEXTS

pytestmark = pytest.mark.e2e

# Well above a busy machine's longest pause between two beats (a beat every STALE_S / 4).
STALE_S = 10
AGES = {
    "STUDIO_STALE_JOB_SECONDS": str(STALE_S),
    "STUDIO_RESEND_AFTER_SECONDS": "2",
    "STUDIO_REAP_INTERVAL_SECONDS": "1",
}
ENDED = ("succeeded", "failed", "cancelled")
ACTIVE = ("notStarted", "running", "cancelling")
# 400 documents of eight sentences: 10 optimizer steps an epoch, and a validation set under the
# 50 documents that would let fine-tuning stop early, so 100 epochs are 1,000 steps of 32
# documents of some 80 tokens: far longer than this module runs, on a machine many times faster.
LONG_EXAMPLES = {
    name: [
        " ".join(texts[(i + k) % len(texts)] for k in range(8)) + f" (note {i})" for i in range(200)
    ]
    for name, texts in TEXTS.items()
}
LONG, QUEUED = "Long", "Queued"
# What a wait waits for: one of these statuses, or a test of the job's JSON.
Done = tuple[str, ...] | Callable[[dict], bool]
NEW_KEY = """
from django.contrib.auth import get_user_model
from studio.services import regenerate_api_key
print(regenerate_api_key(user=get_user_model().objects.get(username="admin"), slot=1))
"""


@dataclass
class JobsClient:
    """The studio API with the admin's key, for starting, reading and cancelling jobs."""

    launched: Launched
    key: str
    env: dict[str, str]
    port: int

    def api(self, method: str, path: str, **body: object) -> requests.Response:
        return requests.request(
            method, f"{self.launched.url}/api/{path}", json=body or None, timeout=10,
            headers={"Ocp-Apim-Subscription-Key": self.key},
        )  # fmt: skip

    def train(self, project: str, mode: str, **options: object) -> str:
        response = self.api(
            "POST", f"projects/{project}/train",
            model_name=mode, mode=mode, overwrite=True, **options,
        )  # fmt: skip
        assert response.status_code == 202, response.text
        return response.json()["job_id"]

    def start_long(self) -> str:
        """A job observed in its fine-tuning loop, where it stays for minutes."""
        job_id = self.train(LONG, "standard", epochs=100)
        job = self.wait_job(LONG, job_id, lambda job: (job["epoch"] or 0) >= 1, timeout_s=120)
        assert job["status"] == "running", job
        return job_id

    def job(self, project: str, job_id: str) -> dict:
        response = self.api("GET", f"projects/{project}/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_job(self, project: str, job_id: str, done: Done, timeout_s: float) -> dict:
        """The job once `done` (a status tuple, or a test of the job) holds for it."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(project, job_id)
            if done(job) if callable(done) else job["status"] in done:
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']}: {job}"
            time.sleep(0.3)

    def end_all_jobs(self) -> None:
        """Cancel every job still active and wait until each has ended, so that no project is
        locked and the training worker is idle for the next test."""
        for project in (LONG, QUEUED):
            for job in self.api("GET", f"projects/{project}/jobs").json()["value"]:
                if job["status"] in ACTIVE:
                    # A job that ended meanwhile answers 409; it is what we want either way.
                    self.api("POST", f"projects/{project}/jobs/{job['job_id']}/cancel")
                    self.wait_job(project, job["job_id"], ENDED, timeout_s=60)


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[JobsClient]:
    data_dir = tmp_path_factory.mktemp("studio-job-faults")
    port = free_port()
    env = launcher_env(data_dir, STUDIO_ADMIN_PASSWORD=PASSWORD, **AGES)
    launched = Launched(start_launcher(env, port), f"http://127.0.0.1:{port}", data_dir)
    try:
        key = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", NEW_KEY],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.split()[-1]  # fmt: skip
        studio = Studio(url=launched.url, data_dir=data_dir, env=env)
        seed_project(studio, LONG, LONG_EXAMPLES)
        seed_project(studio, QUEUED, TEXTS)
        yield JobsClient(launched, key, env, port)
    finally:
        stop_launcher(launched.process)


@pytest.fixture(autouse=True)
def no_job_left(client) -> Iterator[None]:
    yield
    if client.launched.process.poll() is None:
        client.end_all_jobs()


def test_a_job_whose_worker_is_killed_fails_as_worker_lost_and_the_project_trains_again(client):
    running = client.start_long()
    worker = client.launched.child("training@%h")
    with Poller(client.launched.url) as poller:
        worker.kill()
        client.launched.wait_for_new_child("training@%h", worker.pid, timeout_s=10)
        lost = client.wait_job(LONG, running, ENDED, timeout_s=STALE_S + 30)
    assert poller.failures == []
    assert poller.answered > 10
    assert lost["status"] == "failed", lost
    assert lost["errors"][0]["code"] == "WorkerLost"
    assert "worker lost" in lost["errors"][0]["message"]

    # The restarted worker takes it (training to the end is the other tests' business).
    again = client.wait_job(LONG, client.train(LONG, "quick"), ("running", *ENDED), timeout_s=60)
    assert again["status"] in ("running", "succeeded"), again


def test_a_job_queued_when_redis_is_killed_still_runs(client):
    running = client.start_long()
    queued = client.train(QUEUED, "quick")
    time.sleep(1.5)  # the append-only file is written every second
    assert client.job(QUEUED, queued)["status"] == "notStarted"

    server = client.launched.child("redis-server")
    server.kill()
    client.launched.wait_for_new_child("redis-server", server.pid, timeout_s=10)
    wait_healthy(client.launched.url, client.launched.process, timeout_s=60)
    session = sign_in(client.launched.url)
    assert session.get(f"{client.launched.url}/projects/{QUEUED}/").status_code == 200
    url = client.launched.url
    with connect(
        f"{url.replace('http://', 'ws://')}/ws/projects/{QUEUED}/jobs/", origin=url,
        additional_headers={"Cookie": f"sessionid={session.cookies['sessionid']}"},
    ) as socket:  # fmt: skip
        snapshot = json.loads(socket.recv(timeout=10))
        assert snapshot["type"] == "snapshot"
        # The worker is freed; the queued job runs, and its events reach the page's socket.
        client.api("POST", f"projects/{LONG}/jobs/{running}/cancel")
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(TimeoutError):
                event = json.loads(socket.recv(timeout=5))
                if event["type"] == "job.finished" and event["job_id"] == queued:
                    break
            assert time.monotonic() < deadline, "the queued job's end never reached the socket"
    assert event["status"] == "succeeded", event
    assert client.job(LONG, running)["status"] == "cancelled"


# Last in this module: it stops the studio the tests above share and starts it again.
def test_after_ctrl_c_and_a_new_start_the_queued_job_runs_and_no_project_is_locked(client):
    interrupted = client.start_long()
    queued = client.train(QUEUED, "quick")
    time.sleep(1.5)  # the append-only file is written every second
    assert client.job(QUEUED, queued)["status"] == "notStarted"
    client.launched.process.send_signal(signal.SIGINT)
    assert client.launched.process.wait(timeout=10) == 0  # stopped by itself, in time
    client.launched.process = start_launcher(client.env, client.port)

    assert client.wait_job(QUEUED, queued, ENDED, timeout_s=180)["status"] == "succeeded"
    lost = client.wait_job(LONG, interrupted, ENDED, timeout_s=STALE_S + 30)
    assert lost["status"] == "failed", lost
    assert lost["errors"][0]["code"] == "WorkerLost"
    for project in (LONG, QUEUED):
        client.train(project, "quick")
