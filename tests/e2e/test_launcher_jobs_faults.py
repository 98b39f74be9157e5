"""Training jobs survive the launcher's faults: a killed training worker fails its job as worker
lost and the project trains again, a killed Redis keeps its queued job, and after Ctrl-C and a
new start the queued job runs and no project stays locked. Real launcher, quick training
through the studio API with an API key; short stale and resend ages so each takes seconds."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

from tests.e2e.test_launcher import PASSWORD, free_port, wait_healthy
from tests.integration.training.conftest import TEXTS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

STALE_S = 3
AGES = {
    "STUDIO_STALE_JOB_SECONDS": str(STALE_S),
    "STUDIO_RESEND_AFTER_SECONDS": "2",
    "STUDIO_REAP_INTERVAL_SECONDS": "1",
}
ENDED = ("succeeded", "failed", "cancelled")
NEW_KEY = """
from django.contrib.auth import get_user_model
from studio.services import regenerate_api_key
print(regenerate_api_key(user=get_user_model().objects.get(username="admin"), slot=1))
"""


@dataclass
class Studio:
    """A launcher on its data folder, and an API client with the admin's key."""

    data_dir: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen | None = None
    key: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "studio", "--port", str(self.port)],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        wait_healthy(self.url, self.process)

    def stop(self, sig: signal.Signals = signal.SIGINT) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def child(self, marker: str) -> psutil.Process:
        """The launcher's direct child whose command line contains `marker`."""
        assert self.process is not None
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.ZombieProcess, psutil.NoSuchProcess):
                if any(marker in part for part in child.cmdline()):
                    return child
        raise LookupError(marker)

    def wait_for_new_child(self, marker: str, old_pid: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(LookupError):
                if self.child(marker).pid != old_pid:
                    return
            assert time.monotonic() < deadline, f"no new {marker} within {timeout_s} s"
            time.sleep(0.1)

    def api(self, method: str, path: str, **body: object) -> requests.Response:
        return requests.request(
            method, f"{self.url}/api/{path}", json=body or None, timeout=10,
            headers={"Ocp-Apim-Subscription-Key": self.key},
        )  # fmt: skip

    def train(self, project: str, model: str) -> str:
        response = self.api("POST", f"projects/{project}/train", model_name=model, overwrite=True)
        assert response.status_code == 202, response.text
        return response.json()["job_id"]

    def job(self, project: str, job_id: str) -> dict:
        response = self.api("GET", f"projects/{project}/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_job(
        self, project: str, job_id: str, statuses: tuple[str, ...], timeout_s: float
    ) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(project, job_id)
            if job["status"] in statuses:
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
            time.sleep(0.2)


def add_project(studio: Studio, name: str) -> None:
    assert studio.api("POST", "projects", name=name, kind="single_label").status_code == 201
    for class_name, texts in TEXTS.items():
        created = studio.api("POST", f"projects/{name}/classes", name=class_name)
        assert created.status_code == 201, created.text
        for i, text in enumerate(texts):
            document = studio.api(
                "POST", f"projects/{name}/documents",
                name=f"{class_name}-{i}.txt", text=text, classes=[created.json()["id"]],
            )  # fmt: skip
            assert document.status_code == 201, document.text


@pytest.fixture(scope="module")
def launcher(tmp_path_factory) -> Iterator[Studio]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("studio-job-faults")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}  # fmt: skip
    env |= {"STUDIO_DATA_DIR": str(data_dir), "STUDIO_ADMIN_PASSWORD": PASSWORD, **AGES}
    studio = Studio(data_dir, env, free_port())
    try:
        studio.start()
        studio.key = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", NEW_KEY],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.split()[-1]  # fmt: skip
        for name in ("one", "two"):
            add_project(studio, name)
        yield studio
    finally:
        studio.stop()


def test_a_job_whose_worker_is_killed_fails_as_worker_lost_and_the_project_trains_again(launcher):
    job_id = launcher.train("one", "killed")
    launcher.wait_job("one", job_id, ("running",), timeout_s=60)
    worker = launcher.child("training@%h")
    worker.kill()
    launcher.wait_for_new_child("training@%h", worker.pid, timeout_s=10)

    lost = launcher.wait_job("one", job_id, ENDED, timeout_s=STALE_S + 30)
    assert lost["status"] == "failed"
    assert lost["errors"][0]["code"] == "WorkerLost"
    assert "worker lost" in lost["errors"][0]["message"]
    again = launcher.train("one", "killed")
    assert launcher.wait_job("one", again, ENDED, timeout_s=120)["status"] == "succeeded"


def test_a_job_queued_when_redis_is_killed_still_runs(launcher):
    running = launcher.train("one", "first")
    queued = launcher.train("two", "second")
    launcher.wait_job("one", running, ("running",), timeout_s=60)
    time.sleep(1.2)  # the append-only file is written every second
    assert launcher.job("one", running)["status"] == "running"
    assert launcher.job("two", queued)["status"] == "notStarted"
    server = launcher.child("redis-server")
    server.kill()
    launcher.wait_for_new_child("redis-server", server.pid, timeout_s=5)
    wait_healthy(launcher.url, launcher.process, timeout_s=30)
    assert launcher.api("GET", "projects/two").status_code == 200

    assert launcher.wait_job("two", queued, ENDED, timeout_s=120)["status"] == "succeeded"
    assert launcher.wait_job("one", running, ENDED, timeout_s=60)["status"] == "succeeded"


# Last in this module: it stops the studio the tests above share and starts it again.
def test_after_ctrl_c_and_a_new_start_the_queued_job_runs_and_no_project_is_locked(launcher):
    interrupted = launcher.train("one", "first")
    queued = launcher.train("two", "second")
    launcher.wait_job("one", interrupted, ("running",), timeout_s=60)
    assert launcher.job("two", queued)["status"] == "notStarted"
    launcher.stop(signal.SIGINT)
    assert launcher.process.returncode == 0  # stopped by itself, not killed after the wait
    launcher.start()

    assert launcher.wait_job("two", queued, ENDED, timeout_s=120)["status"] == "succeeded"
    ended = launcher.wait_job("one", interrupted, ENDED, timeout_s=STALE_S + 60)
    assert ended["status"] == "succeeded" or ended["errors"][0]["code"] == "WorkerLost"
    for project in ("one", "two"):
        again = launcher.api("POST", f"projects/{project}/train", model_name="again")
        assert again.status_code == 202, again.text
