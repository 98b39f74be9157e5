"""A real web process (Daphne, as deployed) keeps its memory when sent a zip bomb or a huge body."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from studio import processes
from studio.services import regenerate_api_key
from tests.conftest import ROOT, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

GIB = 1024**3


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    """Daphne on this run's database, with a 5 MB request cap; its URL and process id."""
    env = subprocess_env(STUDIO_MAX_REQUEST_MB="5", STUDIO_LOG_LEVEL="WARNING")
    web, url = processes.start_asgi_server(env, cwd=ROOT, log=Path(os.devnull))
    try:
        yield url, web.process.pid
    finally:
        processes.stop_all([web])


def peak_memory(pid: int) -> int:
    """VmHWM: the most resident memory the process has held, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def zip_bomb(path: Path) -> None:
    """One entry of 2 GiB of zeros, about 2 MB zipped, written as a stream."""
    block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.txt", "w", force_zip64=True) as entry,
    ):
        for _ in range(2 * GIB // len(block)):
            entry.write(block)


def test_a_zip_bomb_is_rejected_without_inflating_it(server, project, editor, tmp_path):
    url, pid = server
    bomb = tmp_path / "bomb.zip"
    zip_bomb(bomb)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    headers = {"Ocp-Apim-Subscription-Key": regenerate_api_key(user=editor, slot=1)}
    requests.get(f"{url}/api/projects", headers=headers, timeout=30)  # warm: imports loaded
    before = peak_memory(pid)
    with bomb.open("rb") as file:
        response = requests.post(
            f"{url}/api/projects/{project.name}/imports",
            headers=headers,
            files={"files": ("bomb.zip", file, "application/zip")},
            timeout=120,
        )
    assert response.status_code == 200, response.text
    assert "inflates to more than" in response.json()["errors"][0]["reason"]
    assert peak_memory(pid) - before < 200 * 1024 * 1024


def test_a_body_over_the_request_cap_is_a_413_envelope(server, project, editor):
    url, _ = server
    headers = {"Ocp-Apim-Subscription-Key": regenerate_api_key(user=editor, slot=1)}
    response = requests.post(
        f"{url}/api/projects/{project.name}/imports",
        headers=headers,
        files={"files": ("big.txt", b"x" * (6 * 1024 * 1024), "text/plain")},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestTooLarge"
