"""pytest plugin loaded before Django (`-p tests.environment`): the test run's own data and Redis.

The settings read the environment once, when Django starts, which is before any conftest runs;
so the data folder and the embedded Redis must be in place here. With REDIS_URL given (the CI
leg against the Redis server), that Redis database is the test run's own and is emptied first.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

import redis

from studio import processes
from studio.environment import embedded_redis_socket


def _prepare() -> None:
    if not os.environ.get("STUDIO_DATA_DIR"):
        os.environ["STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="studio-test-")
    data_dir = Path(os.environ["STUDIO_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("STUDIO_CHANNEL_PREFIX", f"studio-test-{os.getpid()}")
    if os.environ.get("REDIS_URL"):
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
        return
    socket_path = embedded_redis_socket(data_dir)
    child = processes.embedded_redis(socket_path, data_dir)
    child.start()
    url = f"unix://{socket_path}"
    processes.wait_for_redis(url)
    os.environ["REDIS_URL"] = url
    atexit.register(processes.stop_all, [child])


_prepare()
