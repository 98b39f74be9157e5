"""The one import service: every upload format becomes rows, and rows land in batches.

Parsing and landing are apart so that a request can count the rows first and hand a large
import to a worker, which parses the same files again from the staging folder.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from projects import storage
from projects.exporters import unescape_cell
from projects.models import (
    MAX_CLASSES_PER_PROJECT,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENTS_PER_PROJECT,
    Class,
    Document,
    ImportJob,
    Project,
    Split,
    Tag,
)
from projects.names import check_document_name, repaired_class_name, safe_document_name
from projects.services import check_text, content_hash, create_class
from studio.errors import TooLarge, ValidationError, size_text

# Above this many documents an import runs on a worker, with a progress bar.
INLINE_LIMIT = 300
BATCH_SIZE = 1000
DUPLICATE_CHOICES = ("skip", "replace")
SPLIT_WORDS = {"": Split.AUTO, "auto": Split.AUTO, "train": Split.TRAIN, "test": Split.TEST}
# A .txt is one document: UTF-8 takes at most four bytes a character.
MAX_TXT_BYTES = 4 * MAX_DOCUMENT_CHARS
ZIP_CHUNK = 1024 * 1024
# Beside a worker import's staged files: the ImportOptions it was started with.
OPTIONS_FILE = "options.json"


class UploadedFile(Protocol):
    name: str
    size: int | None

    def read(self) -> bytes: ...


@dataclass
class Source:
    """One uploaded file, by name and bytes."""

    name: str
    data: bytes


@dataclass
class Row:
    name: str
    text: str
    labels: list[str]
    split: str
    language: str
    where: dict[str, Any]  # {"file": ..., "line": ...} for the report
    write_to_container: bool = False


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    declared_classes: list[str] = field(default_factory=list)
    # Azure and preview files name their classes; CSV and JSON Lines create them from labels.
    strict_classes: bool = False

    def reject(self, reason: str, **where: Any) -> None:
        self.errors.append({**{k: v for k, v in where.items() if v is not None}, "reason": reason})


@dataclass
class ImportReport:
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


def _decode(data: bytes) -> str | None:
    """UTF-8 text (a BOM is dropped), or None for binary or other encodings."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


NOT_TEXT = "The file is not UTF-8 text (binary or another encoding)."
# Python's decoder raises RecursionError, not JSONDecodeError, past about a thousand levels.
TOO_DEEP = "Not valid JSON: nested too deeply."


def _split_of(value: Any) -> str | None:
    return SPLIT_WORDS.get(str(value or "").strip().lower())


def _labels_of(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(";")
    return [str(item).strip() for item in items if str(item).strip()]


# ---- Parsers, one per format


def _parse_txt(source: Source, parsed: Parsed, name: str | None = None) -> None:
    name = name or source.name
    text = _decode(source.data)
    if text is None:
        parsed.reject(NOT_TEXT, file=name)
        return
    parsed.rows.append(Row(name, text, [], Split.AUTO, "", {"file": name}, True))


def _parse_record(
    record: dict[str, Any], parsed: Parsed, *, file: str, line: int, default_name: str
) -> None:
    text = record.get("text")
    if not isinstance(text, str):
        parsed.reject("The row has no text.", file=file, line=line)
        return
    split = _split_of(record.get("split"))
    if split is None:
        parsed.reject(
            f"Unknown split {record.get('split')!r}: use train, test or auto.", file=file, line=line
        )
        return
    labels = _labels_of(record.get("labels")) + _labels_of(record.get("label"))
    name = str(record.get("name") or "").strip() or default_name
    language = str(record.get("language") or "")
    parsed.rows.append(
        Row(name, text, list(dict.fromkeys(labels)), split, language, {"file": file, "line": line})
    )


def _parse_csv(source: Source, parsed: Parsed) -> None:
    text = _decode(source.data)
    if text is None:
        parsed.reject(NOT_TEXT, file=source.name)
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        parsed.reject("The CSV file is empty.", file=source.name)
        return
    except csv.Error as exc:
        parsed.reject(f"The CSV file cannot be read: {exc}.", file=source.name)
        return
    if "text" not in header:
        parsed.reject("The CSV file needs a header row with a 'text' column.", file=source.name)
        return
    label_columns = [i for i, h in enumerate(header) if h in ("label", "labels")]
    stem = PurePosixPath(source.name).stem
    try:
        start = reader.line_num + 1  # a quoted field may span lines: report where rows start
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            values = [unescape_cell(v) for v in values]  # undo the export's formula guard
            record: dict[str, Any] = {
                h: v for h, v in zip(header, values, strict=False) if h not in ("label", "labels")
            }
            record["labels"] = [
                label for i in label_columns if i < len(values) for label in _labels_of(values[i])
            ]
            _parse_record(
                record, parsed, file=source.name, line=line, default_name=f"{stem}-{line}.txt"
            )
    except csv.Error as exc:
        parsed.reject(
            f"The CSV file cannot be read: {exc}.", file=source.name, line=reader.line_num
        )


def _parse_jsonl(source: Source, parsed: Parsed) -> None:
    text = _decode(source.data)
    if text is None:
        parsed.reject(NOT_TEXT, file=source.name)
        return
    stem = PurePosixPath(source.name).stem
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            parsed.reject(f"Not valid JSON: {exc.msg}.", file=source.name, line=line)
            continue
        except RecursionError:
            parsed.reject(TOO_DEEP, file=source.name, line=line)
            continue
        if not isinstance(record, dict):
            parsed.reject("Each line must be a JSON object.", file=source.name, line=line)
            continue
        _parse_record(
            record, parsed, file=source.name, line=line, default_name=f"{stem}-{line}.txt"
        )


def _azure_documents(
    payload: dict[str, Any],
) -> tuple[list[str], list[tuple[dict[str, Any], list[str], str]]] | None:
    """Classes and (document, labels, dataset) of a GA export or a preview tags file."""
    assets = payload.get("assets")
    if isinstance(assets, dict):
        classes = [c.get("category") for c in assets.get("classes") or [] if isinstance(c, dict)]
        docs = []
        for doc in assets.get("documents") or []:
            if not isinstance(doc, dict):
                continue
            labels = []
            if isinstance(doc.get("class"), dict):
                labels.append(doc["class"].get("category"))
            for item in doc.get("classes") or []:
                if isinstance(item, dict):
                    labels.append(item.get("category"))
            docs.append((doc, labels, doc.get("dataset") or ""))
        return [str(c) for c in classes if c], docs
    if isinstance(payload.get("classifiers"), list) and isinstance(payload.get("documents"), list):
        classes = [c.get("name") for c in payload["classifiers"] if isinstance(c, dict)]
        docs = [
            (
                doc,
                [
                    c.get("classifierName")
                    for c in doc.get("classifiers") or []
                    if isinstance(c, dict)
                ],
                doc.get("dataset") or "",
            )
            for doc in payload["documents"]
            if isinstance(doc, dict)
        ]
        return [str(c) for c in classes if c], docs
    return None


def _parse_azure(
    payload: dict[str, Any],
    parsed: Parsed,
    *,
    file: str,
    project: Project,
    texts: dict[str, bytes],
) -> None:
    found = _azure_documents(payload)
    if found is None:
        parsed.reject(
            "This JSON is neither an Azure exported project (assets) nor a tags file "
            "(classifiers and documents).",
            file=file,
        )
        return
    classes, docs = found
    parsed.declared_classes.extend(c for c in classes if c not in parsed.declared_classes)
    parsed.strict_classes = True
    for index, (doc, labels, dataset) in enumerate(docs):
        location = str(doc.get("location") or "").strip()
        where = {"file": location or file, "line": None if location else index + 1}
        if not location:
            parsed.reject("The document has no location.", file=file, line=index + 1)
            continue
        problem = check_document_name(location)
        if problem:  # before the container is read: the location is a path in it
            parsed.reject(problem, **where)
            continue
        split = _split_of(dataset)
        if split is None:
            parsed.reject(f"Unknown dataset {dataset!r}: use Train or Test.", **where)
            continue
        text = doc.get("text")
        if not isinstance(text, str):
            raw = texts.get(location)
            if raw is None:
                raw = storage.read_document(project, location)
            if raw is None:
                parsed.reject(
                    f"No file {location!r} in the uploaded zip or in the project's container "
                    f"{project.storage_container!r}.",
                    **where,
                )
                continue
            text = _decode(raw)
            if text is None:
                parsed.reject(NOT_TEXT, **where)
                continue
        labels = [str(label) for label in labels if label]
        # The export writes the project's language for documents without their own; keep it so.
        language = str(doc.get("language") or "")
        language = "" if language == project.language else language
        parsed.rows.append(Row(location, text, labels, split, language, {"file": location}))


def _parse_json(source: Source, parsed: Parsed, project: Project, texts: dict[str, bytes]) -> None:
    text = _decode(source.data)
    if text is None:
        parsed.reject(NOT_TEXT, file=source.name)
        return
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.reject(f"Not valid JSON: {exc.msg} (line {exc.lineno}).", file=source.name)
        return
    except RecursionError:
        parsed.reject(TOO_DEEP, file=source.name)
        return
    if not isinstance(payload, dict):
        parsed.reject("The JSON file must hold an object.", file=source.name)
        return
    _parse_azure(payload, parsed, file=source.name, project=project, texts=texts)


@dataclass
class _ZipRoom:
    """What the zips of one import may still inflate: bytes and entries, counted down."""

    size: int
    entries: int

    def take(self, size: int, *, file: str) -> None:
        self.size -= size
        self.entries -= 1
        if self.entries < 0:
            raise TooLarge(
                f"The zip files of this import hold more than {settings.STUDIO_MAX_ZIP_ENTRIES:,} "
                "entries.",
                target=file,
            )
        if self.size < 0:
            raise TooLarge(
                "The zip files of this import inflate to more than "
                f"{size_text(settings.STUDIO_MAX_ZIP_TOTAL_BYTES)}.",
                target=file,
            )


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int
) -> tuple[bytes | None, int]:
    """The entry's bytes (None once it inflates past `limit`) and how many were inflated: read
    in chunks, since the declared size of a hostile zip may lie and a small zip can inflate to
    gigabytes. The count charges a refused entry's inflating to the import too, so that many
    bombs cannot each cost `limit`."""
    if info.file_size > limit:
        return None, 0
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(ZIP_CHUNK):
            size += len(chunk)
            if size > limit:
                return None, size
            chunks.append(chunk)
    return b"".join(chunks), size


def _zip_entries(source: Source, parsed: Parsed, room: _ZipRoom) -> dict[str, bytes] | None:
    limit = settings.STUDIO_MAX_ZIP_ENTRY_BYTES
    entries: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.filename.startswith("__MACOSX/"):
                    continue
                data, inflated = _read_entry(archive, info, limit)
                room.take(inflated, file=source.name)
                if data is None:
                    parsed.reject(
                        f"The entry inflates to more than {size_text(limit)}.",
                        file=f"{source.name}/{info.filename}",
                    )
                    continue
                entries[info.filename] = data
    # RuntimeError: an encrypted entry; NotImplementedError: a compression zipfile lacks.
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
        parsed.reject(f"The zip file cannot be read: {exc}.", file=source.name)
        return None
    return entries


def _is_project_json(data: bytes) -> bool:
    text = _decode(data)
    try:
        payload = json.loads(text) if text else None
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(payload, dict) and _azure_documents(payload) is not None


def parse_sources(project: Project, sources: Sequence[Source]) -> Parsed:
    """Every row of every file, and every file or row that cannot be imported and why.

    A zip whose root holds an Azure project JSON (our own zip export) imports as that project with
    the zip's files as its texts; a zip uploaded beside a JSON supplies the JSON's texts.
    """
    parsed = Parsed()
    texts: dict[str, bytes] = {}
    jsons: list[Source] = []
    zips: list[tuple[Source, dict[str, bytes]]] = []
    room = _ZipRoom(settings.STUDIO_MAX_ZIP_TOTAL_BYTES, settings.STUDIO_MAX_ZIP_ENTRIES)
    for source in sources:
        suffix = PurePosixPath(source.name.lower()).suffix
        if suffix == ".zip":
            entries = _zip_entries(source, parsed, room)
            if entries is not None:
                zips.append((source, entries))
        elif suffix == ".json":
            jsons.append(source)
        elif suffix == ".txt":
            _parse_txt(source, parsed)
        elif suffix == ".csv":
            _parse_csv(source, parsed)
        elif suffix in (".jsonl", ".ndjson"):
            _parse_jsonl(source, parsed)
        else:
            parsed.reject(
                "Unsupported file type: upload .txt, .zip, .csv, .jsonl or .json files.",
                file=source.name,
            )
    for source, entries in zips:
        inner = [n for n in entries if "/" not in n and n.lower().endswith(".json")]
        project_json = next((n for n in inner if _is_project_json(entries[n])), None)
        if project_json or jsons:
            texts.update({n: data for n, data in entries.items() if n != project_json})
            if project_json:
                jsons.append(Source(f"{source.name}/{project_json}", entries[project_json]))
            continue
        for name, data in entries.items():
            if name.lower().endswith(".txt"):
                _parse_txt(Source(name, data), parsed)
            else:
                parsed.reject(
                    "Only .txt files are imported from a zip.", file=f"{source.name}/{name}"
                )
    for source in jsons:
        _parse_json(source, parsed, project, texts)
    return parsed


# ---- Landing rows


def _check_row(row: Row, project: Project, parsed: Parsed) -> str | None:
    problem = check_text(row.text)
    if problem:
        return problem
    problem = check_document_name(row.name)
    if problem:
        return problem
    if not project.is_multi_label and len(row.labels) > 1:
        return (
            f"Two or more labels ({', '.join(row.labels)}) for a document of a single-label "
            "project: it takes one class."
        )
    if parsed.strict_classes:
        missing = [label for label in row.labels if label not in parsed.declared_classes]
        if missing:
            return f"The class {missing[0]!r} is not declared in the file's classes."
    return None


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


def _count_labels_once(row: Row, report: ImportReport) -> None:
    """A class a document lists twice (Azure's `classes` allows it; names match as the
    project's do, ignoring case) is tagged once, with a warning rather than a failed import."""
    first: dict[str, str] = {}
    for label in row.labels:
        first.setdefault(label.lower(), label)
    if len(first) == len(row.labels):
        return
    keys = [label.lower() for label in row.labels]
    repeated = ", ".join(repr(label) for key, label in first.items() if keys.count(key) > 1)
    report.warnings.append(
        {
            **row.where,
            "reason": f"Listed more than once for this document: {repeated}; tagged once.",
        }
    )
    row.labels = list(first.values())


def _repair_class_names(parsed: Parsed, report: ImportReport, *, apply: bool) -> None:
    """Offer a repaired name for every class name Azure forbids (`reverted_card_payment?` →
    `reverted_card_payment_`); with `apply`, rename the classes and the rows' labels to it,
    each row so renamed with a warning."""
    labels = (label for row in parsed.rows for label in row.labels)
    for name in dict.fromkeys([*parsed.declared_classes, *labels]):
        repaired = repaired_class_name(name)
        if repaired:
            report.class_repairs[name] = repaired
    if not apply or not report.class_repairs:
        return
    repairs = report.class_repairs
    declared = (repairs.get(name, name) for name in parsed.declared_classes)
    parsed.declared_classes = list(dict.fromkeys(declared))
    for row in parsed.rows:
        renamed = [label for label in row.labels if label in repairs]
        if not renamed:
            continue
        row.labels = [repairs.get(label, label) for label in row.labels]
        changes = ", ".join(f"{label!r} as {repairs[label]!r}" for label in renamed)
        report.warnings.append(
            {**row.where, "reason": f"Class name repaired (Azure forbids it): tagged {changes}."}
        )


def _checked_rows(
    project: Project,
    parsed: Parsed,
    report: ImportReport,
    progress: Callable[[int, int], None] | None,
) -> list[Row]:
    """The rows that may land, each refused one reported with its reason."""
    checked: list[Row] = []
    seen: set[str] = set()
    total = len(parsed.rows)
    for index, row in enumerate(parsed.rows, start=1):
        _count_labels_once(row, report)
        problem = _check_row(row, project, parsed)
        if problem is None and row.name in seen:
            problem = f"Duplicate name {row.name!r} in this import: only the first is kept."
        if problem:
            report.errors.append({**row.where, "reason": problem})
        else:
            seen.add(row.name)
            checked.append(row)
        if progress and (index % BATCH_SIZE == 0 or index == total):
            progress(index, total)
    return checked


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
    options: ImportOptions = ImportOptions(),
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every row, then land them all in one transaction: an import that fails half-way
    (or an all-or-nothing one that refused a row) leaves the project exactly as it was.

    `progress` counts the rows checked, outside the transaction, so the job row it updates is
    never locked by the landing; the landing itself is the last step.
    """
    report = ImportReport(errors=list(parsed.errors))
    _repair_class_names(parsed, report, apply=options.repair_class_names)
    checked = _checked_rows(project, parsed, report, progress)
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
        for start in range(0, len(checked), BATCH_SIZE):
            batch = []
            for row in checked[start : start + BATCH_SIZE]:
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
    return report


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


# ---- The entry points


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
    options: ImportOptions = ImportOptions(),
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the files now, whatever their size (workers and the benchmark call this)."""
    _check_duplicate_choice(options.on_duplicate)
    parsed = parse_sources(project, _sources(files))
    return land_rows(project, parsed, user=user, options=options, progress=progress)


def staging_dir(job: ImportJob) -> Path:
    return Path(settings.DATA_DIR) / "imports" / str(job.pk)


def start_import(
    project: Project,
    files: Iterable[UploadedFile | Source],
    *,
    user: AbstractBaseUser | None,
    options: ImportOptions = ImportOptions(),
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
    folder = staging_dir(job)
    folder.mkdir(parents=True)
    for index, source in enumerate(sources):
        # Files keep their names (the format is read from them) under a numbered folder; a
        # name that is not a plain file name (`..`) is replaced, never joined.
        target = folder / f"{index:04d}" / safe_document_name(Path(source.name).name)
        target.parent.mkdir()
        target.write_bytes(source.data)
    (folder / OPTIONS_FILE).write_text(json.dumps(options.as_dict()))
    from projects.tasks import run_import

    transaction.on_commit(lambda: run_import.delay(str(job.pk)))
    return job


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
