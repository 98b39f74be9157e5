"""Measures (prints, asserts nothing about speed) the first classify on web process B after a
deploy through web process A, with the model warm-up off (as before) and on.

Run: .venv/bin/python -m pytest tests/integration/deploy/measure_first_classify.py -q -s \
         -p no:cacheprovider
"""

from __future__ import annotations

import time

import pytest
import requests

from studio.services import regenerate_api_key
from tests.integration.deploy.conftest import SPORT
from tests.integration.deploy.test_warmup import wait_until_loaded, web_process  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# With the warm-up off, B is left this long after the deploy before its first classify, so that
# both runs give B time it could use.
IDLE_S = 10.0


def classify_ms(url: str, headers: dict[str, str], deployment: str) -> float:
    start = time.perf_counter()
    response = requests.post(
        f"{url}/api/projects/Reviews/deployments/{deployment}/classify",
        json={"documents": [{"id": "1", "text": SPORT[0]}]},
        headers=headers,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return (time.perf_counter() - start) * 1000


def test_first_classify_on_b_after_a_deploy_on_a(
    web_process,  # noqa: F811
    project,
    owner,
    make_model,
    artifacts,
):
    make_model(project, artifact_path=artifacts["v1"])
    headers = {"Ocp-Apim-Subscription-Key": regenerate_api_key(user=owner, slot=1)}
    for warmup in ("0", "1"):
        deployment = f"prod{warmup}"
        a, _ = web_process(f"a{warmup}", STUDIO_SERVING_WARMUP=warmup)
        b, _ = web_process(f"b{warmup}", STUDIO_SERVING_WARMUP=warmup)
        deployed = time.perf_counter()
        response = requests.put(
            f"{a}/api/projects/Reviews/deployments/{deployment}",
            json={"model": "m1"},
            headers=headers,
            timeout=60,
        )
        assert response.status_code == 200, response.text
        if warmup == "1":
            wait_until_loaded(b, 1)
            loaded_s = time.perf_counter() - deployed
        else:
            time.sleep(IDLE_S)
            loaded_s = float("nan")
        first = classify_ms(b, headers, deployment)
        second = classify_ms(b, headers, deployment)
        print(
            f"\nwarm-up {'on ' if warmup == '1' else 'off'}: B loaded {loaded_s:.1f} s after the "
            f"deploy; first classify on B {first:.0f} ms, second {second:.0f} ms"
        )
