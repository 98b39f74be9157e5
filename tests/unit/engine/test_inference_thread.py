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


def _run_in_child(queue) -> None:
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


class Recorder:
    """A list-to-list function that records the size of each call and refuses the item "bad"."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def squares(self, items: list[int | str]) -> list[int]:
        self.sizes.append(len(items))
        if "bad" in items:
            raise ValueError("bad item")
        return [int(i) * int(i) for i in items]


def _while_the_thread_is_busy(calls: list) -> list:
    """Start `calls` ((fn, items) pairs) from threads while the inference thread is held, then
    release it; returns each call's result or exception, in order."""
    release = threading.Event()
    held = threading.Event()

    def hold() -> None:
        held.set()
        release.wait(10)

    blocker = threading.Thread(target=inference_thread.run, args=(hold,))
    blocker.start()
    assert held.wait(10)
    answers: list[object] = [None] * len(calls)

    def ask(index: int, fn, items) -> None:
        try:
            answers[index] = inference_thread.run_batched(fn, items)
        except Exception as exc:
            answers[index] = exc

    threads = [threading.Thread(target=ask, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    while len(inference_thread._waiting) < len(calls):
        threading.Event().wait(0.01)
    release.set()
    for thread in [blocker, *threads]:
        thread.join(10)
    return answers


def test_calls_waiting_together_run_as_one_and_each_gets_its_own_items_back():
    recorder = Recorder()
    answers = _while_the_thread_is_busy([(recorder.squares, [i, i + 1]) for i in range(0, 12, 2)])
    assert answers == [[i * i, (i + 1) * (i + 1)] for i in range(0, 12, 2)]
    assert recorder.sizes == [12]


def test_a_failing_request_fails_alone():
    recorder = Recorder()
    answers = _while_the_thread_is_busy(
        [(recorder.squares, [2]), (recorder.squares, ["bad"]), (recorder.squares, [3])]
    )
    assert answers[0] == [4]
    assert answers[2] == [9]
    assert isinstance(answers[1], ValueError)
    assert recorder.sizes == [3, 1, 1, 1]  # joined, then each on its own


def test_different_functions_are_not_joined():
    first, second = Recorder(), Recorder()
    answers = _while_the_thread_is_busy(
        [(first.squares, [1]), (second.squares, [2]), (first.squares, [3])]
    )
    assert answers == [[1], [4], [9]]
    assert first.sizes == [2]
    assert second.sizes == [1]


def test_joined_calls_stop_at_the_batch_bound():
    recorder = Recorder()
    half = inference_thread.MAX_BATCH_ITEMS // 2 + 1
    answers = _while_the_thread_is_busy([(recorder.squares, [1] * half)] * 3)
    assert answers == [[1] * half] * 3
    assert recorder.sizes == [half, half, half]
