"""Every web process loads a deployed model before a request needs it: real Daphne processes on
this run's database and Redis, a deploy through the studio API on one, the model loaded on the
other (seen through /healthz's counts and its log) before any classify reaches it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from studio import processes
from studio.services import regenerate_api_key
from tests.conftest import ROOT, subprocess_env
from tests.integration.deploy.conftest import SPORT
from training.deployments import deploy_model

pytestmark = pytest.mark.django_db(transaction=True)

WebProcess = tuple[str, Path]


@pytest.fixture
def web_process(tmp_path) -> Iterator[Callable[..., WebProcess]]:
    """Starts Daphne processes as deployed (its URL and log file); stops them after the test."""
    started: list[processes.Child] = []

    def start(name: str, **env: str) -> WebProcess:
        log = tmp_path / f"{name}.log"
        web, url = processes.start_asgi_server(
            subprocess_env(STUDIO_LOG_LEVEL="INFO", **env), cwd=ROOT, log=log
        )
        started.append(web)
        return url, log

    yield start
    processes.stop_all(started)


def serving(url: str) -> dict[str, int]:
    return requests.get(f"{url}/healthz", timeout=10).json()["serving"]


def wait_until_loaded(url: str, count: int, timeout_s: float = 120) -> dict[str, int]:
    """Polls /healthz (which loads nothing) until `count` models are loaded and none loading."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = serving(url)
        if state["modelsLoaded"] >= count and state["modelsLoading"] == 0:
            return state
        assert time.monotonic() < deadline, f"not loaded: {state}"
        time.sleep(0.2)


def test_a_deploy_on_one_web_process_loads_the_model_in_another(
    web_process, project, owner, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    (a, _), (b, b_log) = web_process("a"), web_process("b")
    assert serving(b) == {"modelsLoaded": 0, "modelsLoading": 0}
    headers = {"Ocp-Apim-Subscription-Key": regenerate_api_key(user=owner, slot=1)}
    response = requests.put(
        f"{a}/api/projects/Reviews/deployments/prod",
        json={"model": "m1"},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 200, response.text

    assert wait_until_loaded(b, 1) == {"modelsLoaded": 1, "modelsLoading": 0}
    assert "loaded Reviews/prod" in b_log.read_text()
    response = requests.post(
        f"{b}/api/projects/Reviews/deployments/prod/classify",
        json={"documents": [{"id": "1", "text": SPORT[0]}]},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.json()["documents"][0]["classes"][0]["category"] == "sport"


def test_a_starting_web_process_loads_what_is_deployed_and_logs_what_it_cannot(
    web_process, project, owner, make_model, artifacts
):
    make_model(project, artifact_path=artifacts["v1"])
    make_model(project, name="broken", artifact_path="/nowhere/v1")
    deploy_model(project=project, name="prod", model_name="m1")
    deploy_model(project=project, name="staging", model_name="broken")

    url, log = web_process("c")

    assert wait_until_loaded(url, 1) == {"modelsLoaded": 1, "modelsLoading": 0}
    text = log.read_text()
    assert "loaded Reviews/prod" in text
    assert "Could not load the model of deployment Reviews/staging" in text
