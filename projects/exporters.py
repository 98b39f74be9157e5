"""Exports: Azure's project JSON (alone, or zipped with the documents' files), CSV, JSON Lines.

Every format imports back through `projects.importers` into an equal project; documents in the
automatic split carry no `dataset`, so that a round trip keeps them automatic. Names stored before
the path rules existed are exported as safe locations, and CSV cells cannot run as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import zipfile
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.db.models import Prefetch

from projects.formats.csvfile import escape_cell
from projects.models import Class, Document, Project, Split, Tag
from projects.names import safe_document_name

PROJECT_FILE_VERSION = "2022-05-01"
PROJECT_JSON_NAME = "project.json"
AZURE_KIND = {
    "single_label": "CustomSingleLabelClassification",
    "multi_label": "CustomMultiLabelClassification",
}
DATASET = {Split.TRAIN: "Train", Split.TEST: "Test"}


class Locations:
    """Each document's location in an export: its name, or for a name that is not a safe relative
    path a cleaned one that no other document of the project has; the same name gives the same
    location, so the project JSON and the zip entries agree."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.given: dict[str, str] = {}

    @cached_property
    def taken(self) -> set[str]:
        return set(Document.objects.filter(project=self.project).values_list("name", flat=True))

    def __call__(self, name: str) -> str:
        if name in self.given:
            return self.given[name]
        location = safe_document_name(name)
        if location != name:
            stem, suffix = posixpath.splitext(location)
            number = 1
            while location in self.taken:
                number += 1
                location = f"{stem}-{number}{suffix}"
            self.taken.add(location)
        self.given[name] = location
        return location


def _documents(project: Project) -> Iterator[tuple[Document, list[str]]]:
    """Documents by name with their class names in class order, streamed in chunks."""
    tags = Prefetch(
        "tags", queryset=Tag.objects.select_related("category").order_by("category__order")
    )
    docs = Document.objects.filter(project=project).order_by("name").prefetch_related(tags)
    for document in docs.iterator(chunk_size=2000):
        yield document, [tag.category.name for tag in document.tags.all()]


def azure_project(
    project: Project, *, include_text: bool = False, locations: Locations | None = None
) -> dict[str, Any]:
    """The GA exported-project JSON; `include_text` adds our inline `text` extension."""
    kind = AZURE_KIND[project.kind]
    locations = locations or Locations(project)
    documents = []
    for document, classes in _documents(project):
        item: dict[str, Any] = {
            "location": locations(document.name),
            "language": document.language or project.language,
        }
        if document.split in DATASET:
            item["dataset"] = DATASET[document.split]
        if project.is_multi_label:
            item["classes"] = [{"category": name} for name in classes]
        elif classes:
            item["class"] = {"category": classes[0]}
        if include_text:
            item["text"] = document.text
        documents.append(item)
    return {
        "projectFileVersion": PROJECT_FILE_VERSION,
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": kind,
            "storageInputContainerName": project.storage_container,
            "projectName": project.name,
            "multilingual": project.multilingual,
            "description": project.description,
            "language": project.language,
            "settings": {"confidenceThreshold": project.confidence_threshold},
        },
        "assets": {
            "projectKind": kind,
            "classes": [
                {"category": c.name}
                for c in Class.objects.filter(project=project).order_by("order", "id")
            ],
            "documents": documents,
        },
    }


def azure_zip(project: Project) -> bytes:
    """`project.json` at the root, each document's text at its `location` as Azure keeps them."""
    buffer = io.BytesIO()
    locations = Locations(project)
    payload = azure_project(project, locations=locations)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PROJECT_JSON_NAME, json.dumps(payload, indent=2))
        for document, _ in _documents(project):
            archive.writestr(locations(document.name), document.text)
    return buffer.getvalue()


def csv_export(project: Project) -> str:
    """Columns name, text, labels (`;`-separated), split, language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "text", "labels", "split", "language"])
    for document, classes in _documents(project):
        cells = [document.name, document.text, ";".join(classes), document.split, document.language]
        writer.writerow([escape_cell(cell) for cell in cells])
    return buffer.getvalue()


def jsonl_export(project: Project) -> str:
    """One object a line: name, text, labels (a list), split, language."""
    return "".join(
        json.dumps(
            {
                "name": document.name,
                "text": document.text,
                "labels": classes,
                "split": document.split,
                "language": document.language,
            },
            ensure_ascii=False,
        )
        + "\n"
        for document, classes in _documents(project)
    )
