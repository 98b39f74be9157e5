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


def test_time_left_counts_from_the_first_timed_phase_and_untimed_phases_have_none():
    events = []
    now = [0.0]
    tracker = ProgressTracker(events.append, None, clock=lambda: now[0])
    tracker.begin("preparing", 0, 1)
    tracker.begin("loading", 1, 3)
    now[0] = 30.0  # a slow base model load is not extrapolated over the rest of the run
    tracker.begin("encoding", 3, 53, total_steps=10)
    now[0] = 40.0
    tracker.advance(5)  # 25 points in 10 s: 72 points left take about 29 s
    tracker.begin("saving", 96, 100)
    assert [e.eta_s for e in events] == [None, None, None, 28.8, None]
