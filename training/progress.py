"""What a running training job tells the database and the browsers: throttled progress and
the cancel check the engine polls (the heartbeat is studio.jobs', shared by every job)."""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone

from training.events import broadcast
from training.job_json import job_json, progress_json
from training.models import JobStatus, TrainingJob

# A few events per second is smooth in a browser and cheap for Postgres and Redis.
MIN_INTERVAL_S = 0.3
# The cancel check hits the database; the engine may call it thousands of times a second.
CANCEL_CHECK_INTERVAL_S = 0.5
# The loss points a job keeps (and the Train page draws): the latest ones.
HISTORY_POINTS = 500


class JobProgress:
    """The callback handed to the engine: `on_progress(progress)` and `should_stop()`."""

    def __init__(self, job: TrainingJob) -> None:
        self.job = job
        self._last_sent = float("-inf")
        self._last_phase = ""
        self._last_check = float("-inf")
        self._stop = False

    def on_progress(self, progress: Any) -> None:
        now = time.monotonic()
        final = progress.phase == "done" or progress.percent >= 100
        same_phase = progress.phase == self._last_phase
        if same_phase and not final and now - self._last_sent < MIN_INTERVAL_S:
            return
        self._last_sent, self._last_phase = now, progress.phase
        job = self.job
        # "done" is the engine's word; the job stays "saving" until the pointer is switched.
        job.phase = "saving" if progress.phase == "done" else progress.phase
        job.percent = min(float(progress.percent), 99.0)
        job.step = progress.step or None
        job.epoch = progress.epoch or None
        job.epochs = progress.epochs or None
        job.loss = progress.loss
        job.eta_s = progress.eta_s
        added = []
        if progress.loss is not None and progress.epoch:
            point = {"epoch": progress.epoch, "step": progress.step, "loss": progress.loss}
            if not job.history or job.history[-1] != point:
                added = [point]
                job.history = [*job.history, point][-HISTORY_POINTS:]
        fields = ["phase", "percent", "step", "epoch", "epochs", "loss", "eta_s", "history"]
        TrainingJob.objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now(),
            updated_at=timezone.now(),
            **{name: getattr(job, name) for name in fields},
        )
        publish(job, "job.progress", history_added=added)

    def should_stop(self) -> bool:
        now = time.monotonic()
        if self._stop or now - self._last_check < CANCEL_CHECK_INTERVAL_S:
            return self._stop
        self._last_check = now
        status = TrainingJob.objects.filter(pk=self.job.pk).values_list("status", flat=True).first()
        self._stop = status != JobStatus.RUNNING
        return self._stop


def publish(
    job: TrainingJob, kind: str, *, history_added: list[dict[str, Any]] | None = None
) -> None:
    """Send the job's state to its project's browsers: its whole JSON or, given the loss points
    added since its previous event, a progress event carrying only those (browsers append them to
    the history their snapshot brought). A Redis hiccup must not fail training."""
    try:
        payload = job_json(job) if history_added is None else progress_json(job, history_added)
        broadcast(job.project_id, {"type": kind, **payload})
    except Exception:  # the row is the truth; browsers re-sync from it
        import logging

        logging.getLogger(__name__).warning("Could not broadcast job %s", job.job_id)
