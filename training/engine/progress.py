"""`Progress` events and the tracker that turns work done into a monotone percent and an ETA,
checks the cancel request, and throttles what reaches the callback."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from training.engine.errors import Cancelled

# Events closer together than this are dropped, except phase changes and the final one; the
# studio relays them to browsers and should not be flooded by a fast CPU loop.
MIN_INTERVAL_S = 0.2
# Phases whose length has nothing to do with the documents (splitting, reading the base model
# from disk, writing the artifact): they have no time left of their own, and the time left of
# the others is extrapolated from the work done since the first phase that does scale.
UNTIMED_PHASES = frozenset({"preparing", "loading", "saving"})


@dataclass
class Progress:
    phase: str
    percent: float
    step: int = 0
    total_steps: int = 0
    epoch: int = 0
    epochs: int = 0
    loss: float | None = None
    eta_s: float | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProgressTracker:
    """Maps each phase onto a band of the 0-100 scale (`begin(phase, start, end, total)`), then
    `advance()` moves through the band. Every call checks `should_stop` and raises `Cancelled`.
    The ETA is None in untimed phases and until a timed one has done 1 % of the scale."""

    def __init__(
        self,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_progress = on_progress
        self._should_stop = should_stop
        self._clock = clock
        # (time, percent) where the first timed phase began: the origin of the ETA's rate.
        self._timed_from: tuple[float, float] | None = None
        self._last_sent = float("-inf")
        self._percent = 0.0
        self._band = (0.0, 0.0)
        self._event = Progress("preparing", 0.0)

    def check(self) -> None:
        if self._should_stop is not None and self._should_stop():
            raise Cancelled("training was cancelled")

    def begin(
        self, phase: str, start: float, end: float, total_steps: int = 0, message: str = ""
    ) -> None:
        self._band = (start, end)
        if self._timed_from is None and phase not in UNTIMED_PHASES:
            self._timed_from = (self._clock(), max(self._percent, start))
        self._event = Progress(
            phase,
            self._percent,
            total_steps=total_steps,
            message=message,
            epochs=self._event.epochs,
        )
        self._move(start, force=True)

    def advance(
        self,
        step: int,
        *,
        epoch: int | None = None,
        epochs: int | None = None,
        loss: float | None = None,
        message: str | None = None,
    ) -> None:
        event = self._event
        event.step = step
        if epoch is not None:
            event.epoch = epoch
        if epochs is not None:
            event.epochs = epochs
        if loss is not None:
            event.loss = loss
        if message is not None:
            event.message = message
        start, end = self._band
        fraction = step / event.total_steps if event.total_steps else 1.0
        self._move(start + (end - start) * min(fraction, 1.0))

    def done(self, message: str = "") -> None:
        self._event = Progress("done", 100.0, message=message, epochs=self._event.epochs)
        self._move(100.0, force=True)

    def _move(self, percent: float, force: bool = False) -> None:
        self.check()
        self._percent = max(self._percent, min(percent, 100.0))
        now = self._clock()
        if self._on_progress is None or (not force and now - self._last_sent < MIN_INTERVAL_S):
            return
        event = self._event
        event.percent = round(self._percent, 2)
        event.eta_s = self._eta(now, event.phase)
        self._last_sent = now
        self._on_progress(Progress(**asdict(event)))

    def _eta(self, now: float, phase: str) -> float | None:
        if self._percent >= 100:
            return 0.0
        if phase in UNTIMED_PHASES or self._timed_from is None:
            return None
        since, origin = self._timed_from
        done = self._percent - origin
        return round((now - since) * (100 - self._percent) / done, 1) if done >= 1.0 else None
