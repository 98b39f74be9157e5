"""A training job as JSON: the one shape the websocket events, the studio API and the Train page
all carry, so a browser never needs a second read to learn how a job ended. Progress events alone
carry only the loss points added since the job's previous event, not the whole history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import FloatField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from training.models import JobStatus, TrainedModel, TrainingJob
from training.selectors import queue_positions


def job_json(job: TrainingJob) -> dict[str, Any]:
    """One job's JSON; a succeeded job's costs a query for its model."""
    return jobs_json([job])[0]


def progress_json(job: TrainingJob, history_added: list[dict[str, Any]]) -> dict[str, Any]:
    """A progress event's job JSON: the loss points added since the job's previous event
    (`history_added`) in place of the whole `history`, which the snapshot a socket gets on
    (re)connect already carries; every other field as in `job_json`."""
    payload = job_json(job)
    del payload["history"]
    return {**payload, "history_added": history_added}


def jobs_json(jobs: Sequence[TrainingJob]) -> list[dict[str, Any]]:
    """Each job's JSON, with one query for the models the succeeded ones produced (and, for a
    job not started yet, a count for its place in the queue)."""
    names = {(job.project_id, job.model_name) for job in jobs if job.status == JobStatus.SUCCEEDED}
    models: dict[tuple[int, str], TrainedModel] = {}
    if names:
        # A status poll reads only the model's figures for its JSON: not its whole evaluation
        # (per-class figures, confusion matrix), which is parsed on load, nor a sort.
        candidates = (
            TrainedModel.objects.filter(
                project_id__in={project for project, _ in names},
                name__in={name for _, name in names},
            )
            .order_by()
            .only("project_id", "name", "version", "trained_at")
            .annotate(f1=Cast(KT("evaluation__micro_f1"), FloatField()))
        )
        models = {(m.project_id, m.name): m for m in candidates}
    queues = queue_positions(jobs)
    return [
        _json(job, models.get((job.project_id, job.model_name)), queues.get(job.pk)) for job in jobs
    ]


def _json(
    job: TrainingJob, model: TrainedModel | None, queue: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "job_id": str(job.job_id),
        "model_name": job.model_name,
        "mode": job.options.get("mode"),
        "status": job.status,
        "evaluation_status": job.evaluation_status,
        "phase": job.phase,
        "percent": round(job.percent, 1),
        "epoch": job.epoch,
        "epochs": job.epochs,
        "step": job.step,
        "loss": job.loss,
        "eta_s": job.eta_s,
        "errors": job.errors,
        "warnings": job.warnings,
        # The loss points so far: a page that opens or reconnects mid-training draws the curve.
        "history": job.history,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "ended_at": job.ended_at.isoformat() if job.ended_at else None,
        "model": _model_result(job, model),
        # A job not started yet: its place among every project's waiting jobs (1: next), and
        # whether a job holds the worker now; both null once it has started.
        "queue_position": queue["position"] if queue else None,
        "queue_running": queue["running"] if queue else None,
    }


def _model_result(job: TrainingJob, model: TrainedModel | None) -> dict[str, Any] | None:
    """The version a succeeded job produced, while it is still the model's current one (a later
    retrain replaces it, and the old numbers are gone with it)."""
    if job.status != JobStatus.SUCCEEDED or model is None or job.ended_at is None:
        return None
    if model.trained_at != job.ended_at:
        return None
    return {"version": model.version, "f1": model.f1, "trained_at": job.ended_at.isoformat()}
