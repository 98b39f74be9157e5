"""One long-lived thread per process that runs the predictions a web server asks for.

Torch keeps per-thread state (the OpenMP team that runs its kernels, the traced graph's
executor), and a thread that predicts for the first time builds it again. Under ASGI every
request runs in a fresh thread, and a single short document took three times as long there as
on a thread that had predicted before (docs/benchmarks.md, Serving). Handing every prediction to
this thread keeps that state warm, and keeps two concurrent requests from splitting two cores
between two torch thread teams.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner_pid = 0
THREAD_NAME = "inference"


def run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on the inference thread, waiting for its result (or exception)."""
    if threading.current_thread().name.startswith(THREAD_NAME):
        return fn(*args, **kwargs)  # already there: queueing behind itself would never return
    return _executor_for_this_process().submit(fn, *args, **kwargs).result()


def _executor_for_this_process() -> ThreadPoolExecutor:
    # Per process: a forked child (a Celery worker) inherits the object but not its thread.
    global _executor, _owner_pid
    with _lock:
        if _executor is None or _owner_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
            _owner_pid = os.getpid()
        return _executor
