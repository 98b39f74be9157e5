"""Where every import starts (the Data page, the studio's API, Azure's `:import`): the uploads
are read under their size caps and parsed, then a small import lands now and a large one is
staged for a worker, with a progress bar. Parsing is `projects/formats/`, the row checks
`projects/import_checks.py` and the landing `projects/landing.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from projects.formats import Source
from projects.landing import (
    RUN_IMPORT_TASK,
    ImportOptions,
    ImportReport,
    land_rows,
    parse_sources,
    stage_sources,
)
from projects.models import MAX_DOCUMENT_CHARS, ImportJob, Project
from studio.errors import TooLarge, ValidationError, size_text

# Above this many documents an import runs on a worker, with a progress bar.
INLINE_LIMIT = 300
DUPLICATE_CHOICES = ("skip", "replace")
# A .txt is one document: UTF-8 takes at most four bytes a character.
MAX_TXT_BYTES = 4 * MAX_DOCUMENT_CHARS
# The studio's own import: documents are added, and a name already there is skipped.
DEFAULT_OPTIONS = ImportOptions()


class UploadedFile(Protocol):
    name: str
    size: int | None

    def read(self) -> bytes: ...


def _size_limit(name: str) -> int:
    return MAX_TXT_BYTES if name.lower().endswith(".txt") else settings.STUDIO_MAX_UPLOAD_FILE_BYTES


def _source(upload: UploadedFile) -> Source:
    """The upload's bytes, refused before they are read into memory when the file is too large."""
    name = Path(upload.name).name
    limit = _size_limit(name)
    if (upload.size or 0) > limit:
        message = (
            f"The file {name!r} is too large for one document of {MAX_DOCUMENT_CHARS:,} characters."
            if limit == MAX_TXT_BYTES
            else f"The file {name!r} is larger than the {size_text(limit)} a file may be."
        )
        raise TooLarge(message, target=name)
    return Source(name, upload.read())


def _sources(files: Iterable[UploadedFile | Source]) -> list[Source]:
    return [f if isinstance(f, Source) else _source(f) for f in files]


def _check_duplicate_choice(on_duplicate: str) -> None:
    if on_duplicate not in DUPLICATE_CHOICES:
        raise ValidationError(
            "Duplicates are skipped ('skip') or replaced ('replace').", target="duplicates"
        )


def import_documents(
    project: Project,
    files: Iterable[UploadedFile | Source],
    *,
    user: AbstractBaseUser | None,
    options: ImportOptions = DEFAULT_OPTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the files now, whatever their size (the benchmark and tests call this)."""
    _check_duplicate_choice(options.on_duplicate)
    parsed = parse_sources(project, _sources(files))
    return land_rows(project, parsed, user=user, options=options, progress=progress)


def start_import(
    project: Project,
    files: Iterable[UploadedFile | Source],
    *,
    user: AbstractBaseUser | None,
    options: ImportOptions = DEFAULT_OPTIONS,
) -> ImportReport | ImportJob:
    """What pages and the API call: small imports land now, large ones go to a worker.

    Returns the report, or the queued ImportJob whose row the caller polls. An all-or-nothing
    import that refuses rows raises ImportRefused when it runs now.
    """
    _check_duplicate_choice(options.on_duplicate)
    sources = _sources(files)
    if not sources:
        raise ValidationError("Upload at least one file.", target="files")
    parsed = parse_sources(project, sources)
    if len(parsed.rows) <= INLINE_LIMIT:
        return land_rows(project, parsed, user=user, options=options)
    job = ImportJob.objects.create(
        project=project,
        on_duplicate=options.on_duplicate,
        total=len(parsed.rows),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    stage_sources(job, sources, options)
    # By name, so that the task module imports this service and not the other way round.
    transaction.on_commit(lambda: current_app.send_task(RUN_IMPORT_TASK, args=[str(job.pk)]))
    return job
