"""What every format produces: the uploaded file, the rows read from it and the refusals, and
the readers the formats share (text decoding, splits, labels, one record of CSV or JSON Lines)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The stored split values: `projects.models.Split` takes its values from these.
AUTO, TRAIN, TEST = "auto", "train", "test"
SPLIT_WORDS = {"": AUTO, "auto": AUTO, "train": TRAIN, "test": TEST}

NOT_TEXT = "The file is not UTF-8 text (binary or another encoding)."
# Python's decoder raises RecursionError, not JSONDecodeError, past about a thousand levels.
TOO_DEEP = "Not valid JSON: nested too deeply."


@dataclass
class Source:
    """One uploaded file, by name and bytes."""

    name: str
    data: bytes


@dataclass
class Row:
    """One document as a file wrote it, before it is checked against the project."""

    name: str
    text: str
    labels: list[str]
    split: str
    language: str
    where: dict[str, Any]  # {"file": ..., "line": ...} for the report
    write_to_container: bool = False


@dataclass
class Parsed:
    """The rows of an upload and its refused files and rows, in the order they were read."""

    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    declared_classes: list[str] = field(default_factory=list)
    # Azure and preview files name their classes; CSV and JSON Lines create them from labels.
    strict_classes: bool = False

    def reject(self, reason: str, **where: Any) -> None:
        self.errors.append({**{k: v for k, v in where.items() if v is not None}, "reason": reason})


def decode(data: bytes) -> str | None:
    """UTF-8 text (a BOM is dropped), or None for binary or other encodings."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def split_of(value: Any) -> str | None:
    """The split a file names (any case, empty for automatic), or None for an unknown word."""
    return SPLIT_WORDS.get(str(value or "").strip().lower())


def labels_of(value: Any) -> list[str]:
    """Labels given as a list or as one `;`-separated string, blanks dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(";")
    return [str(item).strip() for item in items if str(item).strip()]


def parse_record(
    record: dict[str, Any], parsed: Parsed, *, file: str, line: int, default_name: str
) -> None:
    """One CSV row or JSON Lines object (`text`, `name`, `label(s)`, `split`, `language`) as a
    row, or its refusal: both formats share these fields and their rules."""
    text = record.get("text")
    if not isinstance(text, str):
        parsed.reject("The row has no text.", file=file, line=line)
        return
    split = split_of(record.get("split"))
    if split is None:
        parsed.reject(
            f"Unknown split {record.get('split')!r}: use train, test or auto.", file=file, line=line
        )
        return
    labels = labels_of(record.get("labels")) + labels_of(record.get("label"))
    name = str(record.get("name") or "").strip() or default_name
    language = str(record.get("language") or "")
    parsed.rows.append(
        Row(name, text, list(dict.fromkeys(labels)), split, language, {"file": file, "line": line})
    )
