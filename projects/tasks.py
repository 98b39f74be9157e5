"""The Celery side of large imports: parse the staged files again and land them with progress."""

from __future__ import annotations

import shutil

from celery import shared_task
from django.utils import timezone

from projects.importers import land_rows, parse_sources, staged_sources, staging_dir
from projects.models import ImportJob, ImportStatus
from studio.jobs import Heartbeat


@shared_task(name="projects.run_import")
def run_import(job_id: str) -> str:
    """Run one queued import; the job row carries the progress and, at the end, the report.

    Only the conditional claim `notStarted → running` proceeds, so a message sent again by the
    reaper, or redelivered, for a job another worker already took returns at once."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.NOT_STARTED).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now, updated_at=now
    )
    if not claimed:
        return "skipped"  # gone, or already taken
    job = ImportJob.objects.select_related("project", "created_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            done=done, total=total, percent=int(100 * done / total) if total else 100
        )

    try:
        with Heartbeat(ImportJob, job.pk, [ImportStatus.RUNNING]):
            parsed = parse_sources(job.project, staged_sources(job))
            report = land_rows(
                job.project,
                parsed,
                user=job.created_by,
                on_duplicate=job.on_duplicate,
                progress=progress,
            )
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, error=str(exc))
        raise
    finally:
        shutil.rmtree(staging_dir(job), ignore_errors=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.SUCCEEDED, percent=100, report=report.as_dict()
    )
    return "succeeded"
