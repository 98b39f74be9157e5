"""The landing service: an upload's sources parsed, every row checked, and the rest landed in
batches in one transaction. The inline import, the worker import and Azure's `:import` all land
through `land_rows`; a worker import's files wait in a staging folder until it runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from projects import formats, storage
from projects.formats import Parsed, ProjectFacts, Row, Source, ZipLimits, ZipTooLarge
from projects.import_checks import check_rows
from projects.models import (
    MAX_CLASSES_PER_PROJECT,
    MAX_DOCUMENTS_PER_PROJECT,
    Class,
    Document,
    ImportJob,
    Project,
    Tag,
)
from projects.names import safe_document_name
from projects.services import content_hash, create_class
from studio.errors import TooLarge, ValidationError

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Sent by name after documents land: the training app computes a cold-start tag-next queue
# when no model orders the project's documents yet.
REFRESH_TAG_QUEUE_TASK = "training.refresh_tag_queue"
# Beside a worker import's staged files: the ImportOptions it was started with.
OPTIONS_FILE = "options.json"


@dataclass
class ImportReport:
    """What an import did, and each file, row or class it refused and why: the API's answer
    and an import job's report."""

    imported: int = 0
    replaced: int = 0
    skipped: int = 0
    created_classes: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Rows that landed, but not quite as written (a class listed twice counts once).
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Class names Azure forbids, with the name the class-name repair gives each.
    class_repairs: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "replaced": self.replaced,
            "skipped": self.skipped,
            "created_classes": self.created_classes,
            "errors": self.errors,
            "warnings": self.warnings,
            "class_repairs": self.class_repairs,
        }


@dataclass(frozen=True)
class ImportOptions:
    """How rows land. The studio's import adds documents (`on_duplicate` says what a name
    already there does); Azure's `:import` replaces the project's documents and classes
    (`replace_assets`) and lands nothing when any row is refused (`all_or_nothing`), so its job
    either succeeds whole or fails with every reason. `repair_class_names` imports a class whose
    name Azure forbids under its repaired name instead of refusing its documents."""

    on_duplicate: str = "skip"
    repair_class_names: bool = False
    replace_assets: bool = False
    all_or_nothing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class ImportRefused(ValidationError):
    """An all-or-nothing import refused rows: nothing landed, and the report says why."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"Nothing was imported: {len(report.errors):,} documents or classes were refused.",
            details=[_error_detail(item) for item in report.errors],
        )
        self.report = report


def _error_detail(item: dict[str, Any]) -> dict[str, Any]:
    target = item.get("file") or item.get("target")
    return {"code": "InvalidArgument", "message": str(item.get("reason")), "target": target}


def parse_sources(project: Project, sources: Sequence[Source]) -> Parsed:
    """The formats' parse of the sources for this project: an Azure JSON reads missing texts
    from its container, and zips inflate under the studio's caps (a zip past them is TooLarge).
    """
    facts = ProjectFacts(
        language=project.language,
        container=project.storage_container,
        read_document=partial(storage.read_document, project),
    )
    limits = ZipLimits(
        total_bytes=settings.STUDIO_MAX_ZIP_TOTAL_BYTES,
        entries=settings.STUDIO_MAX_ZIP_ENTRIES,
        entry_bytes=settings.STUDIO_MAX_ZIP_ENTRY_BYTES,
    )
    try:
        return formats.parse_sources(sources, project=facts, limits=limits)
    except ZipTooLarge as exc:
        raise TooLarge(exc.message, target=exc.target) from exc


# ---- Landing rows


class _Classes:
    """The project's classes by lower-cased name, creating missing ones up to Azure's limit."""

    def __init__(self, project: Project, report: ImportReport) -> None:
        self.project = project
        self.report = report
        self.by_name = {c.name.lower(): c for c in Class.objects.filter(project=project)}

    def get(self, name: str) -> tuple[Class | None, str | None]:
        found = self.by_name.get(name.lower())
        if found:
            return found, None
        if len(self.by_name) >= MAX_CLASSES_PER_PROJECT:
            return (
                None,
                f"The project already has {MAX_CLASSES_PER_PROJECT} classes, Azure's limit.",
            )

        try:
            with transaction.atomic():
                created = create_class(self.project, name)
        except ValidationError as exc:
            repaired = self.report.class_repairs.get(name)
            offer = (
                f" Repaired, it would be {repaired!r}: import again with the class-name repair."
                if repaired
                else ""
            )
            return None, f"Label {name!r}: {exc.message}{offer}"
        self.by_name[name.lower()] = created
        self.report.created_classes.append(created.name)
        return created, None


def _clear_assets(project: Project) -> None:
    """Azure's import replaces the project's data: its documents, tags and classes go (models
    and deployments stay, as Azure keeps them)."""
    Tag.objects.filter(document__project=project).delete()
    Document.objects.filter(project=project).delete()
    Class.objects.filter(project=project).delete()


def land_rows(
    project: Project,
    parsed: Parsed,
    *,
    user: AbstractBaseUser | None,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every row, then land them all in one transaction: an import that fails half-way
    (or an all-or-nothing one that refused a row) leaves the project exactly as it was.

    `progress` counts the rows checked, outside the transaction, so the job row it updates is
    never locked by the landing; the landing itself is the last step.
    """
    checked = check_rows(
        parsed,
        multi_label=project.is_multi_label,
        repair_class_names=options.repair_class_names,
        progress=progress,
    )
    report = ImportReport(
        errors=[*parsed.errors, *checked.errors],
        warnings=checked.warnings,
        class_repairs=checked.class_repairs,
    )
    to_container: list[Row] = []
    with transaction.atomic():
        if options.replace_assets:
            _clear_assets(project)
        classes = _Classes(project, report)
        for name in parsed.declared_classes:
            _, problem = classes.get(name)
            if problem:
                report.errors.append({"target": name, "reason": problem})
        room = MAX_DOCUMENTS_PER_PROJECT - Document.objects.filter(project=project).count()
        for start in range(0, len(checked.rows), BATCH_SIZE):
            batch = []
            for row in checked.rows[start : start + BATCH_SIZE]:
                labels: list[Class] = []
                problem = None
                for label in row.labels:
                    category, problem = classes.get(label)
                    if category is None:
                        break
                    labels.append(category)
                if problem:
                    report.errors.append({**row.where, "reason": problem})
                    continue
                batch.append((row, labels))
            room = _land_batch(
                project,
                batch,
                report,
                user=user,
                on_duplicate=options.on_duplicate,
                room=room,
                to_container=to_container,
            )
        if options.all_or_nothing and report.errors:
            raise ImportRefused(report)
    # After the transaction, so a failed import leaves no files behind either.
    for row in to_container:
        storage.write_document(project, row.name, row.text)
    if report.imported or report.replaced:
        transaction.on_commit(partial(_refresh_tag_queue, project.pk))
    return report


def _refresh_tag_queue(project_id: int) -> None:
    """The landed documents are in the database: a broker that is down costs the cold-start
    queue (asked for again by the refresh route), never the import."""
    try:
        current_app.send_task(
            REFRESH_TAG_QUEUE_TASK,
            args=[project_id],
            kwargs={"after_import": True},
            queue="training",
        )
    except Exception:
        log.warning("Could not ask for the tag-next queue of project %s", project_id, exc_info=True)


def _land_batch(
    project: Project,
    batch: list[tuple[Row, list[Class]]],
    report: ImportReport,
    *,
    user: AbstractBaseUser | None,
    on_duplicate: str,
    room: int,
    to_container: list[Row],
) -> int:
    with transaction.atomic():
        names = [row.name for row, _ in batch]
        existing = set(
            Document.objects.filter(project=project, name__in=names).values_list("name", flat=True)
        )
        if existing and on_duplicate == "replace":
            Document.objects.filter(project=project, name__in=existing).delete()
            report.replaced += len(existing)
            room += len(existing)
        documents, tag_labels = [], []
        for row, labels in batch:
            if row.name in existing and on_duplicate != "replace":
                report.skipped += 1
                continue
            if room <= 0:
                report.errors.append(
                    {
                        **row.where,
                        "reason": f"The project is full: Azure allows "
                        f"{MAX_DOCUMENTS_PER_PROJECT:,} documents per project.",
                    }
                )
                continue
            room -= 1
            documents.append(
                Document(
                    project=project,
                    name=row.name,
                    text=row.text,
                    split=row.split,
                    language=row.language,
                    content_hash=content_hash(row.text),
                )
            )
            tag_labels.append(labels)
            if row.write_to_container:
                to_container.append(row)
        Document.objects.bulk_create(documents)
        if any(d.pk is None for d in documents):  # backends that do not return ids
            ids = dict(
                Document.objects.filter(
                    project=project, name__in=[d.name for d in documents]
                ).values_list("name", "pk")
            )
            for document in documents:
                document.pk = ids[document.name]
        exclusive = not project.is_multi_label
        Tag.objects.bulk_create(
            Tag(document_id=d.pk, category=c, exclusive=exclusive, created_by=user)
            for d, labels in zip(documents, tag_labels, strict=True)
            for c in labels
        )
        report.imported += len(documents)
    return room


# ---- Staging: a worker import's files and options, kept until the worker has run

RUN_IMPORT_TASK = "projects.run_import"


def staging_dir(job: ImportJob) -> Path:
    return Path(settings.DATA_DIR) / "imports" / str(job.pk)


def stage_sources(job: ImportJob, sources: Sequence[Source], options: ImportOptions) -> None:
    """Keep the files and options for the worker, which parses the files again."""
    folder = staging_dir(job)
    folder.mkdir(parents=True)
    for index, source in enumerate(sources):
        # Files keep their names (the format is read from them) under a numbered folder; a
        # name that is not a plain file name (`..`) is replaced, never joined.
        target = folder / f"{index:04d}" / safe_document_name(Path(source.name).name)
        target.parent.mkdir()
        target.write_bytes(source.data)
    (folder / OPTIONS_FILE).write_text(json.dumps(options.as_dict()))


def staged_sources(job: ImportJob) -> list[Source]:
    folder = staging_dir(job)
    return [
        Source(path.name, path.read_bytes())
        for part in sorted(folder.iterdir())
        if part.is_dir()
        for path in part.iterdir()
    ]


def staged_options(job: ImportJob) -> ImportOptions:
    """The options the import was started with (staged beside its files, since the job row
    keeps only the duplicates choice)."""
    path = staging_dir(job) / OPTIONS_FILE
    if not path.exists():
        return ImportOptions(on_duplicate=job.on_duplicate)
    return ImportOptions.from_dict(json.loads(path.read_text()))
