"""The one thread per process that runs web-request predictions (engine.inference_thread)."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from training.engine import inference_thread


def thread_name() -> str:
    return threading.current_thread().name


def test_every_call_runs_on_the_same_long_lived_thread():
    names = {inference_thread.run(thread_name) for _ in range(5)}
    idents = {inference_thread.run(threading.get_ident) for _ in range(5)}
    assert len(names) == 1
    assert next(iter(names)).startswith(inference_thread.THREAD_NAME)
    assert len(idents) == 1
    assert idents != {threading.get_ident()}


def test_callers_from_many_threads_get_their_own_results():
    results: dict[int, int] = {}

    def ask(i: int) -> None:
        results[i] = inference_thread.run(lambda: i * i)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: i * i for i in range(8)}


def test_an_exception_reaches_the_caller():
    def fail() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        inference_thread.run(fail)
    assert inference_thread.run(lambda: 1) == 1  # and the thread still serves


def test_a_call_made_on_the_inference_thread_does_not_wait_for_itself():
    assert inference_thread.run(lambda: inference_thread.run(thread_name)).startswith("inference")


def _run_in_child(queue) -> None:  # type: ignore[no-untyped-def]
    queue.put(inference_thread.run(lambda: 42))


def test_a_forked_child_gets_a_thread_of_its_own():
    inference_thread.run(lambda: None)  # the parent's thread exists before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_run_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 42
