"""PostgreSQL stopped and started again under a running web process: while it is down, API
routes answer 503 in Azure's envelope and pages a plain 503 page, both with Retry-After and
without a traceback; once it is back, the same requests succeed, with no restart of the studio.

The server is a private one, started from the installed PostgreSQL binaries in a temporary
folder on a free port, so stopping it touches nothing else.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import OperationalError
from django.test import RequestFactory
from rest_framework.exceptions import APIException

from studio import processes
from studio.errors import api_exception_handler, server_error
from tests.integration.studio import live_studio

AZURE_PROJECTS = "/language/authoring/analyze-text/projects?api-version=2023-04-01"


def _postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PrivatePostgres:
    """A throwaway PostgreSQL server. PostgreSQL refuses to run as root, so as root (CI) its
    binaries run as the `postgres` account, in a folder that account owns."""

    bin_dir: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_postgres, str(self.bin_dir / tool), *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if check and done.returncode != 0:
            log = self.folder / "log"
            server_log = log.read_text()[-2000:] if log.exists() else ""
            raise AssertionError(f"{tool} failed: {done.stdout}{done.stderr}{server_log}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                  "-o", options, "-w", "-t", "30", "start")  # fmt: skip

    def signal(self, sig: signal.Signals) -> None:
        """Signal the postmaster: SIGSTOP makes the server a host that accepts connections and
        then says nothing, SIGCONT wakes it."""
        os.kill(int((self.folder / "data" / "postmaster.pid").read_text().split()[0]), sig)

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop", check=check)


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) are installed")
    folder = Path(tempfile.mkdtemp(prefix="studio-pg-"))
    server = PrivatePostgres(bin_dir, folder, processes.free_port())
    try:
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")  # KeyError: no postgres account to run it as
            os.chown(folder, account.pw_uid, account.pw_gid)
        server.init()
        server.start()
        yield server
    finally:
        server.stop("immediate", check=False)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Answers:
    api: requests.Response
    azure: requests.Response
    page: requests.Response
    health: requests.Response


def _ask(url: str, key: str, session: requests.Session) -> Answers:
    headers = {"Ocp-Apim-Subscription-Key": key}
    return Answers(
        api=requests.get(f"{url}/api/projects", headers=headers, timeout=15),
        azure=requests.get(f"{url}{AZURE_PROJECTS}", headers=headers, timeout=15),
        page=session.get(f"{url}/projects/", timeout=15, allow_redirects=False),
        health=requests.get(f"{url}/healthz", timeout=15),
    )


def _assert_clean_503(answer: requests.Response, *, json_body: bool) -> None:
    assert answer.status_code == 503, answer.text[:500]
    assert answer.headers["Retry-After"] == "5"
    assert "Traceback" not in answer.text
    assert "psycopg" not in answer.text
    assert "OperationalError" not in answer.text
    if json_body:
        error = answer.json()["error"]
        assert error["code"] == "ServiceUnavailable"
        assert "database" in error["message"]
    else:
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "Service unavailable" in answer.text


@pytest.mark.slow
def test_postgres_restart_gives_clean_503s_then_recovers(private_postgres, tmp_path):
    env = live_studio.studio_env(
        tmp_path, private_postgres.url, STUDIO_DB_CONNECT_TIMEOUT_SECONDS="2"
    )
    live_studio.manage(env, "migrate", "--no-input", "-v", "0")
    key = live_studio.create_user(env, "dana")
    web, url = live_studio.start_web(env, tmp_path / "web.log")
    try:
        live_studio.wait_answers(url, web)
        session = live_studio.sign_in(url, "dana")

        up = _ask(url, key, session)
        assert (up.api.status_code, up.azure.status_code, up.page.status_code) == (200, 200, 200)
        assert up.health.json()["checks"]["database"]["ok"] is True

        private_postgres.stop()
        started = time.monotonic()
        down = _ask(url, key, session)
        assert time.monotonic() - started < 8  # refused connections fail at once, not per timeout
        _assert_clean_503(down.api, json_body=True)
        _assert_clean_503(down.azure, json_body=True)
        _assert_clean_503(down.page, json_body=False)
        assert down.health.status_code == 503
        assert down.health.json()["checks"]["database"] == {
            "ok": False,
            "error": "The database is unreachable (OperationalError).",
        }

        private_postgres.start()
        again = _ask(url, key, session)
        assert (again.api.status_code, again.azure.status_code, again.page.status_code) == (
            200,
            200,
            200,
        )
        assert again.api.json() == up.api.json()
        assert again.health.json()["checks"]["database"]["ok"] is True

        # A database host that answers nothing: /healthz still answers inside a probe's 1 s.
        private_postgres.signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            silent = requests.get(f"{url}/healthz", timeout=15)
            assert time.monotonic() - started < 1.0
        finally:
            private_postgres.signal(signal.SIGCONT)
        assert silent.status_code == 503
        assert silent.json()["checks"]["database"] == {
            "ok": False,
            "error": "The database did not answer in time.",
        }
        assert web.alive, "the web process must survive the outage"
    finally:
        processes.stop_all([web], grace_s=3)
    log = (tmp_path / "web.log").read_text()
    assert "database is unavailable" in log


def test_api_handler_answers_a_lost_database_with_503_and_retry_after():
    answer = api_exception_handler(OperationalError("connection refused"), {})
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer.data["error"]["code"] == "ServiceUnavailable"
    assert "refused" not in answer.data["error"]["message"]


def test_handler500_answers_a_lost_database_with_503_and_other_errors_with_500():
    factory = RequestFactory()
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        api = server_error(factory.get("/api/projects"))
        page = server_error(factory.get("/projects/"))
    assert (api.status_code, page.status_code) == (503, 503)
    assert api["Retry-After"] == page["Retry-After"] == "5"
    assert b'"ServiceUnavailable"' in api.content
    assert b"Service unavailable" in page.content
    try:
        raise APIException("something else")
    except APIException:
        assert server_error(factory.get("/api/projects")).status_code == 500
