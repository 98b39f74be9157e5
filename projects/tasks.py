"""The Celery side of large imports: parse the staged files again and land them with progress."""

from __future__ import annotations

import shutil

from celery import shared_task

from projects.importers import land_rows, parse_sources, staged_sources, staging_dir
from projects.models import ImportJob, ImportStatus


@shared_task(name="projects.run_import")
def run_import(job_id: str) -> str:
    """Run one queued import; the job row carries the progress and, at the end, the report."""
    job = ImportJob.objects.select_related("project", "created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.NOT_STARTED:
        return "skipped"  # gone, or a redelivered message for a job already run
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            done=done, total=total, percent=int(100 * done / total) if total else 100
        )

    try:
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
