"""What the browser hears about jobs: one group name and one payload shape for every channel."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from training.models import TrainingJob


def job_group(project_id: int) -> str:
    return f"project-{project_id}.jobs"


def job_payload(job: TrainingJob) -> dict[str, Any]:
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
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "ended_at": job.ended_at.isoformat() if job.ended_at else None,
    }


def snapshot(project_id: int, project_name: str, recent: int = 10) -> dict[str, Any]:
    jobs = list(TrainingJob.objects.filter(project_id=project_id).order_by("-created_at")[:recent])
    active = next((job for job in jobs if job.is_active), None)
    return {
        "type": "snapshot",
        "project": {"id": project_id, "name": project_name},
        "active_job": job_payload(active) if active else None,
        "jobs": [job_payload(job) for job in jobs],
    }


def broadcast(project_id: int, event: dict[str, Any]) -> None:
    """Send an event to every browser watching the project, from any process."""
    async_to_sync(get_channel_layer().group_send)(
        job_group(project_id), {"type": "job.event", "event": event}
    )
