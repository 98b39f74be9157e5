"""What the browser hears about jobs: one group name, and every event carries the job's JSON
(training.job_json)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from training.job_json import jobs_json
from training.models import TrainingJob


def job_group(project_id: int) -> str:
    return f"project-{project_id}.jobs"


def snapshot(project_id: int, project_name: str, recent: int = 10) -> dict[str, Any]:
    """What a socket gets on connect: the recent jobs whole, so a reconnect misses nothing."""
    jobs = list(TrainingJob.objects.filter(project_id=project_id).order_by("-created_at")[:recent])
    payloads = jobs_json(jobs)
    return {
        "type": "snapshot",
        "project": {"id": project_id, "name": project_name},
        "active_job": next(
            (p for job, p in zip(jobs, payloads, strict=True) if job.is_active), None
        ),
        "jobs": payloads,
    }


def broadcast(project_id: int, event: dict[str, Any]) -> None:
    """Send an event to every browser watching the project, from any process."""
    async_to_sync(get_channel_layer().group_send)(
        job_group(project_id), {"type": "job.event", "event": event}
    )
