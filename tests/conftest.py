"""Fixtures shared by every test level: the four actors, projects, API clients and real services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from projects.models import Project, ProjectKind, Role
from projects.services import create_project, set_member
from studio.services import regenerate_api_key

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def own_bad_key_counts(settings, request) -> None:
    """Each test counts bad API keys from zero: the counts live in the run's one Redis, and every
    test client comes from the same address."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{request.node.nodeid}:"


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    def make(username: str, password: str = "a-good-password-42") -> object:
        return get_user_model().objects.create_user(username=username, password=password)

    return make


@pytest.fixture
def owner(make_user):
    return make_user("olivia")


@pytest.fixture
def editor(make_user):
    return make_user("edgar")


@pytest.fixture
def viewer(make_user):
    return make_user("vera")


@pytest.fixture
def outsider(make_user):
    return make_user("oscar")


@pytest.fixture
def make_project(owner, editor, viewer) -> Callable[..., Project]:
    """A project owned by `owner`, with `editor` and `viewer` as members."""

    def make(name: str = "Reviews", kind: str = ProjectKind.SINGLE_LABEL, **fields) -> Project:
        project = create_project(owner=owner, name=name, kind=kind, **fields)
        set_member(project=project, user=editor, role=Role.EDITOR)
        set_member(project=project, user=viewer, role=Role.VIEWER)
        return project

    return make


@pytest.fixture
def project(make_project) -> Project:
    return make_project()


@pytest.fixture
def multi_project(make_project) -> Project:
    return make_project(name="Topics", kind=ProjectKind.MULTI_LABEL)


@pytest.fixture
def client_for() -> Callable[[object], APIClient]:
    """An API client that authenticates with a fresh API key of `user`, as Azure clients do."""

    def make(user: object) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=regenerate_api_key(user=user, slot=1))
        return client

    return make


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a studio process that must see this test run's database and Redis."""
    from django.db import connection

    env = dict(os.environ)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}"
            f"@{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
            f"/{settings_dict['NAME']}"
        )
    env.update(extra)
    return env


def wait_for_worker(timeout_s: float = 60) -> None:
    from studio.health import check_redis_and_workers

    deadline = time.monotonic() + timeout_s
    while not check_redis_and_workers()[1]["ok"]:
        if time.monotonic() > deadline:
            raise RuntimeError("The Celery worker did not answer in time.")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real Celery worker on both queues, on this run's Redis and test database.

    Tests using it must use `transactional_db`, so that the worker sees what they commit.
    """
    with django_db_blocker.unblock():
        env = subprocess_env()
    # fmt: off
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "studio", "worker", "--queues", "default,training",
         "--concurrency", "1", "--loglevel", "WARNING", "--hostname", f"test-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    # fmt: on
    try:
        wait_for_worker()
        yield worker
    finally:
        from studio.processes import Child, stop_all

        child = Child("worker", [], stop_signal=signal.SIGQUIT, process=worker)
        stop_all([child], grace_s=5)
