import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env, wait_for_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_is_200_when_database_redis_and_worker_answer(client, celery_worker_process):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["redis"]["ok"]
    assert body["checks"]["worker"]["workers"]


def test_healthz_is_503_when_redis_is_unreachable(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/no-such.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert str(tmp_path) not in response.content.decode()  # public: no internal paths


def test_healthz_says_the_worker_is_down_when_no_worker_beats(client, settings):
    settings.WORKER_HEARTBEAT_PREFIX = "a-studio-without-workers:worker:"
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["redis"]["ok"]
    assert body["checks"]["worker"] == {
        "ok": False,
        "error": "No Celery worker is running.",
        "workers": [],
    }


def test_a_worker_that_stops_is_reported_down_at_once(client, settings):
    """The worker's own studio prefix keeps it apart from the session's shared worker."""
    settings.WORKER_HEARTBEAT_PREFIX = "healthz-stop:worker:"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "studio", "worker", "--queues", "healthz-stop",
         "--concurrency", "1", "--loglevel", "WARNING", "--hostname", "healthz-stop@%h",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=subprocess_env(STUDIO_CHANNEL_PREFIX="healthz-stop"),
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_worker()
        workers = client.get("/healthz").json()["checks"]["worker"]["workers"]
        assert [name.split("@")[0] for name in workers] == ["healthz-stop"]
    finally:
        worker.terminate()
        worker.wait(30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
