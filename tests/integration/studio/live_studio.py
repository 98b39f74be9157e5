"""Studio processes started the way an operator starts them on separate hosts: `manage.py`
commands, Daphne and Celery workers as child processes, each with its own environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import requests

from studio import processes

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a-good-password-42"

# Run in `manage.py shell`, around a caller's script: a user with a known password, then the
# script, then the user's new API key printed.
CREATE_USER = """
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user(username=USERNAME, password=PASSWORD)
"""
PRINT_KEY = """
from studio.services import regenerate_api_key
print(regenerate_api_key(user=user, slot=1))
"""


def studio_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The variables of one studio: its database, its data folder and a fixed secret key, as
    every host of a scaled-out studio gets them; `extra` overrides (REDIS_URL, the prefix)."""
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env |= {
        "DATABASE_URL": database_url,
        "STUDIO_DATA_DIR": str(data_dir),
        "SECRET_KEY": "live-studio-test-secret-key-" + "x" * 40,
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def manage(env: dict[str, str], *args: str) -> str:
    """`python manage.py …` against that studio; its stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def create_user(env: dict[str, str], username: str, then: str = "") -> str:
    """A user of that studio (password PASSWORD), then the `then` script in the same shell (one
    Django start fewer); answers the user's API key."""
    values = f"USERNAME = {username!r}\nPASSWORD = {PASSWORD!r}\n"
    out = manage(env, "shell", "-c", values + CREATE_USER + then + PRINT_KEY)
    return out.strip().splitlines()[-1]


def start(child: processes.Child, env: dict[str, str], log_path: Path) -> processes.Child:
    """Start a launcher child (`processes.asgi_server`, `processes.celery_worker`) with this
    environment, run from the checkout, its output in `log_path`."""
    child = replace(child, env=env, cwd=ROOT, log=log_path)
    child.start()
    return child


def start_web(env: dict[str, str], log_path: Path) -> tuple[processes.Child, str]:
    """Daphne on a free loopback port, as the launcher runs it; answers it and its URL."""
    port = processes.free_port()
    web = start(processes.asgi_server("127.0.0.1", port), env, log_path)
    return web, f"http://127.0.0.1:{port}"


def wait_answers(url: str, child: processes.Child, timeout_s: float = 60) -> None:
    """Until the sign-in page (no database needed) answers 200."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert child.alive, f"{child.name} exited with code {child.process.returncode}"
        try:
            if requests.get(f"{url}/accounts/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer in {timeout_s} s"
        time.sleep(0.2)


def sign_in(url: str, username: str) -> requests.Session:
    """A browser-like session signed in through the sign-in form."""
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{url}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session
