"""One long-lived thread per process that runs the predictions a web server asks for.

Torch keeps per-thread state (the OpenMP team that runs its kernels), and a thread that predicts
for the first time builds it again. Under ASGI every request runs in a fresh thread, and a single
short document took three times as long there as on a thread that had predicted before
(docs/benchmarks.md, Serving). Handing every prediction to this thread keeps that state warm, and
keeps two concurrent requests from splitting the cores between two runs (an ONNX Runtime session
has one pool of threads, sized for the whole machine, that concurrent runs would share).

`run_batched` goes further for list-in, list-out calls: requests that arrive while the thread
is busy are joined into one call when it frees up. One forward pass over sixteen short
documents costs little more than over one, so sixteen clients each sending one document wait
for about one pass instead of queueing for sixteen.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner_pid = 0
THREAD_NAME = "inference"
# Items joined into one call at most: bounds the memory of one pass and the wait of the
# request that came first.
MAX_BATCH_ITEMS = 512


@dataclass
class _Waiting:
    fn: Callable[[list[Any]], list[Any]]
    items: list[Any]
    result: Future = field(default_factory=Future)


_waiting: list[_Waiting] = []
_drain_scheduled = False


def run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` on the inference thread, waiting for its result (or exception)."""
    if threading.current_thread().name.startswith(THREAD_NAME):
        return fn(*args, **kwargs)  # already there: queueing behind itself would never return
    return _executor_for_this_process().submit(fn, *args, **kwargs).result()


def run_batched(fn: Callable[[list[Any]], list[Any]], items: Sequence[Any]) -> list[Any]:
    """`fn(items)` on the inference thread, where `fn` maps a list to a list of the same length
    item by item; calls with an equal `fn` (the same bound method) waiting together run as one.

    A call that fails alone fails only its own request: a failed joined call is retried per
    request before any error is given back.
    """
    if threading.current_thread().name.startswith(THREAD_NAME):
        return fn(list(items))
    global _drain_scheduled
    executor = _executor_for_this_process()
    waiting = _Waiting(fn, list(items))
    with _lock:
        _waiting.append(waiting)
        if not _drain_scheduled:
            _drain_scheduled = True
            executor.submit(_drain)
    return waiting.result.result()


def _drain() -> None:
    """Run every waiting call, joining those with the same function, on the inference thread."""
    global _drain_scheduled
    with _lock:
        taken = list(_waiting)
        _waiting.clear()
        _drain_scheduled = False
    while taken:
        first = taken[0]
        group, rest, size = [], [], 0
        for waiting in taken:
            fits = not group or size + len(waiting.items) <= MAX_BATCH_ITEMS
            if waiting.fn == first.fn and fits:
                group.append(waiting)
                size += len(waiting.items)
            else:
                rest.append(waiting)
        _run_group(group)
        taken = rest


def _run_group(group: list[_Waiting]) -> None:
    if len(group) == 1:
        _settle(group[0], lambda: group[0].fn(group[0].items))
        return
    try:
        joined = group[0].fn([item for waiting in group for item in waiting.items])
    except Exception:
        for waiting in group:
            _settle(waiting, lambda w=waiting: w.fn(w.items))
        return
    start = 0
    for waiting in group:
        waiting.result.set_result(joined[start : start + len(waiting.items)])
        start += len(waiting.items)


def _settle(waiting: _Waiting, call: Callable[[], list[Any]]) -> None:
    try:
        waiting.result.set_result(call())
    except BaseException as exc:
        waiting.result.set_exception(exc)


def _executor_for_this_process() -> ThreadPoolExecutor:
    # Per process: a forked child (a Celery worker) inherits the object but not its thread.
    global _executor, _owner_pid, _drain_scheduled
    with _lock:
        if _executor is None or _owner_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
            _owner_pid = os.getpid()
            # What a forked parent left waiting belongs to threads this process does not have.
            _waiting.clear()
            _drain_scheduled = False
        return _executor
