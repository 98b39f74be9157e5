"""The Celery side of large imports: parse the staged files again and land them with progress,
and what the reaper needs to know of import jobs."""

from __future__ import annotations

import logging
import shutil

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from projects.landing import (
    RUN_IMPORT_TASK,
    ImportRefused,
    land_rows,
    parse_sources,
    staged_options,
    staged_sources,
    staging_dir,
)
from projects.models import ImportJob
from studio.jobs import Heartbeat, JobKind, JobStatus

log = logging.getLogger(__name__)


@shared_task(name=RUN_IMPORT_TASK)
def run_import(job_id: str) -> str:
    """Run one queued import; the job row carries the progress and, at the end, the report.

    Only the conditional claim `notStarted → running` proceeds, so a message sent again by the
    reaper, or redelivered, for a job another worker already took returns at once."""
    if not ImportJob.claim(Q(pk=job_id)):
        return "skipped"  # gone, or already taken
    job = ImportJob.objects.select_related("project", "created_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            done=done, total=total, percent=int(100 * done / total) if total else 100
        )

    try:
        with Heartbeat(job):
            parsed = parse_sources(job.project, staged_sources(job))
            report = land_rows(
                job.project,
                parsed,
                user=job.created_by,
                options=staged_options(job),
                progress=progress,
            )
    except ImportRefused as exc:
        # Refused rows, not a fault: the job ends with the report that says why.
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=exc.message,
            report=exc.report.as_dict(),
            updated_at=timezone.now(),
        )
        return "failed"
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc), updated_at=timezone.now()
        )
        raise
    finally:
        shutil.rmtree(staging_dir(job), ignore_errors=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        percent=100,
        report=report.as_dict(),
        updated_at=timezone.now(),
    )
    return "succeeded"


def fail_import(job: ImportJob, code: str, message: str) -> int:
    """End a lost import with the reason, and remove its staged files as a finished import's
    are; an import lands in one transaction, so a worker that stopped landed nothing. The
    files go first, so whoever sees the job failed finds nothing left behind."""
    shutil.rmtree(staging_dir(job), ignore_errors=True)
    failed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=JobStatus.FAILED, error=message, updated_at=timezone.now()
    )
    if failed:
        log.warning("Import %s failed (%s): %s", job.pk, code, message)
    return failed


IMPORT_JOBS = JobKind(
    model=ImportJob,
    queue="default",
    send=lambda job: run_import.delay(str(job.pk)),
    fail=fail_import,
    lost="The worker running this import stopped (worker lost) before the import landed; "
    "nothing was imported. Upload the files again.",
    unclaimed="No worker took this import, although it was sent again several times. Check "
    "that the studio's workers run, then upload the files again.",
)
