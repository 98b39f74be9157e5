"""The embedded Redis keeps its data in the data folder: a queued Celery message outlives a
crash of the server (kill -9), so a restart loses no job."""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from studio import processes


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A short path: a Unix socket's path may not exceed about 100 characters.
    folder = Path(tempfile.mkdtemp(prefix="redis-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def start(data_dir: Path) -> tuple[processes.Child, redis.Redis]:
    socket_path = data_dir / "redis.sock"
    child = processes.embedded_redis(socket_path, data_dir)
    child.start()
    processes.wait_for_redis(f"unix://{socket_path}")
    return child, redis.Redis(unix_socket_path=str(socket_path))


def test_a_queued_message_survives_a_killed_and_restarted_redis(data_dir: Path) -> None:
    first, client = start(data_dir)
    try:
        client.lpush("training", b'{"task": "training.run_job"}')
        client.close()
    finally:
        first.signal_group(signal.SIGKILL)  # a crash: no shutdown save runs
        assert first.process is not None
        first.process.wait(timeout=10)

    second, client = start(data_dir)
    try:
        assert client.llen("training") == 1
        assert client.rpop("training") == b'{"task": "training.run_job"}'
    finally:
        client.close()
        processes.stop_all([second])
