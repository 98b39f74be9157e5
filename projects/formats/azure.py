"""Azure's project JSON: a GA export (`assets`) or a preview tags file (`classifiers` and
`documents`), whose documents' texts come inline, from an uploaded zip or from the container."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from projects.formats.locations import check_document_name
from projects.formats.rows import (
    NOT_TEXT,
    TOO_DEEP,
    Parsed,
    Row,
    Source,
    decode,
    split_of,
)


@dataclass(frozen=True)
class ProjectFacts:
    """What the Azure format needs of the project it imports into: its language (a document in
    it is stored without its own), its container's name (for the report) and a reader of the
    container's files (None for a file that is not there)."""

    language: str
    container: str
    read_document: Callable[[str], bytes | None]


def azure_documents(
    payload: dict[str, Any],
) -> tuple[list[str], list[tuple[dict[str, Any], list[str], str]]] | None:
    """Classes and (document, labels, dataset) of a GA export or a preview tags file, or None
    for JSON that is neither."""
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


def is_project_json(data: bytes) -> bool:
    """Whether a zip entry is an Azure project JSON (the zip is then that project's export)."""
    text = decode(data)
    try:
        payload = json.loads(text) if text else None
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(payload, dict) and azure_documents(payload) is not None


def parse_azure(
    payload: dict[str, Any],
    parsed: Parsed,
    *,
    file: str,
    project: ProjectFacts,
    texts: dict[str, bytes],
) -> None:
    """The payload's classes (declared: rows may use no others) and documents as rows; a
    document without inline `text` reads its `location` from `texts` (an uploaded zip's
    entries), then from the project's container."""
    found = azure_documents(payload)
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
        split = split_of(dataset)
        if split is None:
            parsed.reject(f"Unknown dataset {dataset!r}: use Train or Test.", **where)
            continue
        text = doc.get("text")
        if not isinstance(text, str):
            raw = texts.get(location)
            if raw is None:
                raw = project.read_document(location)
            if raw is None:
                parsed.reject(
                    f"No file {location!r} in the uploaded zip or in the project's container "
                    f"{project.container!r}.",
                    **where,
                )
                continue
            text = decode(raw)
            if text is None:
                parsed.reject(NOT_TEXT, **where)
                continue
        labels = [str(label) for label in labels if label]
        # The export writes the project's language for documents without their own; keep it so.
        language = str(doc.get("language") or "")
        language = "" if language == project.language else language
        parsed.rows.append(Row(location, text, labels, split, language, {"file": location}))


def parse_azure_json(
    source: Source, parsed: Parsed, *, project: ProjectFacts, texts: dict[str, bytes]
) -> None:
    """A `.json` upload: it must hold one JSON object, an Azure project or tags file."""
    text = decode(source.data)
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
    parse_azure(payload, parsed, file=source.name, project=project, texts=texts)
