"""The progress tracker: monotone percent, throttling, ETA and cancel checks."""

from __future__ import annotations

import itertools

import pytest

from training.engine.errors import Cancelled
from training.engine.progress import ProgressTracker


def test_percent_never_goes_back_and_ends_at_100():
    events = []
    clock = itertools.count(step=1.0)
    tracker = ProgressTracker(events.append, None, clock=lambda: next(clock))
    tracker.begin("encoding", 0, 50, total_steps=4)
    for step in range(5):
        tracker.advance(step)
    tracker.begin("training", 40, 90, total_steps=2)  # a band starting below the current percent
    tracker.advance(1)
    tracker.done()
    percents = [e.percent for e in events]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    assert events[-1].phase == "done"
    assert events[-1].eta_s == 0


def test_events_closer_than_the_interval_are_dropped_but_phase_changes_kept():
    events = []
    tracker = ProgressTracker(events.append, None, clock=lambda: 5.0)
    tracker.begin("encoding", 0, 50, total_steps=100)
    for step in range(100):
        tracker.advance(step)
    tracker.begin("training", 50, 90)
    assert [e.phase for e in events] == ["encoding", "training"]


def test_should_stop_raises_cancelled_at_the_next_check():
    tracker = ProgressTracker(None, lambda: True)
    with pytest.raises(Cancelled):
        tracker.advance(1)
