"""Browser tests run against the real launcher (ASGI, websockets, workers, embedded Redis) and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_launcher import free_port, launcher_env, start_launcher, stop_launcher

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "e2e-admin-password"
CHROMIUM = os.environ.get("STUDIO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip


@dataclass
class Studio:
    url: str
    data_dir: Path
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        """Run a management command against this studio's data (e.g. to create a user)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout


# Runs in `manage.py shell` against the launched studio: a project of tagged documents through
# the project services and, when asked, a quick training job through the service the Train page
# uses, waited for to the end. Prints what the tests check as JSON on its last line.
SEED_PROJECT = """
import json, time
from django.contrib.auth import get_user_model
from projects.models import Class
from projects.services import create_document, create_project
from training.models import TrainedModel
from training.services import start_training
admin = get_user_model().objects.get(username="admin")
project = create_project(owner=admin, name=NAME, kind="single_label")
for order, (name, texts) in enumerate(json.loads(EXAMPLES).items()):
    category = Class.objects.create(project=project, name=name, order=order)
    for i, text in enumerate(texts):
        create_document(project, name=f"{name}-{i}.txt", text=text, classes=[category])
answer = {}
if MODEL:
    job = start_training(project=project, model_name=MODEL, user=admin, mode="quick")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(1)
    model = TrainedModel.objects.get(project=project, name=MODEL)
    answer = {"status": job.status, "version": model.version,
              "evaluated": model.evaluation is not None, "counts": model.split_counts}
print(json.dumps(answer))
"""


def seed_project(
    studio: Studio, name: str, examples: dict[str, list[str]], *, train_model: str = ""
) -> dict:
    """Create a single-label project of tagged documents in the launched studio, and train a
    quick model on it when `train_model` names one; answers the job's status, the model's
    version, whether it was evaluated and its split counts."""
    values = f"NAME = {name!r}\nEXAMPLES = {json.dumps(examples)!r}\nMODEL = {train_model!r}\n"
    out = studio.manage("shell", "-c", values + SEED_PROJECT)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def studio(tmp_path_factory) -> Iterator[Studio]:
    data_dir = tmp_path_factory.mktemp("studio-e2e")
    port = free_port()
    env = launcher_env(
        data_dir, STUDIO_ADMIN_PASSWORD=ADMIN_PASSWORD, STUDIO_CHANNEL_PREFIX="studio"
    )
    process = start_launcher(env, port)
    try:
        yield Studio(url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
    finally:
        stop_launcher(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, studio) -> Iterator[object]:
    """A fresh browser page signed in as the admin."""
    context = browser.new_context(base_url=studio.url, viewport={"width": 1360, "height": 860})
    page = context.new_page()
    sign_in(page)
    yield page
    context.close()


def sign_in(page) -> None:
    """Sign `page` (its context's base URL a launched studio) in as the admin."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects/")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
