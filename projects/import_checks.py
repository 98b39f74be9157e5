"""The row-check stage of an import: parsed rows checked against the project's rules before
anything lands, each refused row with its reason. It reads no database, so it runs the same
for an import checked now and one checked on a worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from projects.formats import Parsed, Row
from projects.names import check_document_name, repaired_class_name
from projects.services import check_text

# How often the check stage reports progress, in rows: a worker import's bar moves in these steps.
PROGRESS_STEP = 1000


@dataclass
class CheckedRows:
    """The rows that may land, and what the check said of the others, in reading order."""

    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Rows that pass, but not quite as written (a class listed twice counts once).
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Class names Azure forbids, with the name the class-name repair gives each.
    class_repairs: dict[str, str] = field(default_factory=dict)


def check_rows(
    parsed: Parsed,
    *,
    multi_label: bool,
    repair_class_names: bool,
    progress: Callable[[int, int], None] | None = None,
) -> CheckedRows:
    """Check every parsed row; `parsed` is updated in place where a row lands as other than
    written (labels repaired or counted once), so that the landing sees the names it creates.

    `progress(done, total)` follows the rows checked, every PROGRESS_STEP rows and at the end.
    """
    checked = CheckedRows()
    _repair_class_names(parsed, checked, apply=repair_class_names)
    seen: set[str] = set()
    total = len(parsed.rows)
    for index, row in enumerate(parsed.rows, start=1):
        _count_labels_once(row, checked)
        problem = _check_row(row, parsed, multi_label=multi_label)
        if problem is None and row.name in seen:
            problem = f"Duplicate name {row.name!r} in this import: only the first is kept."
        if problem:
            checked.errors.append({**row.where, "reason": problem})
        else:
            seen.add(row.name)
            checked.rows.append(row)
        if progress and (index % PROGRESS_STEP == 0 or index == total):
            progress(index, total)
    return checked


def _check_row(row: Row, parsed: Parsed, *, multi_label: bool) -> str | None:
    problem = check_text(row.text)
    if problem:
        return problem
    problem = check_document_name(row.name)
    if problem:
        return problem
    if not multi_label and len(row.labels) > 1:
        return (
            f"Two or more labels ({', '.join(row.labels)}) for a document of a single-label "
            "project: it takes one class."
        )
    if parsed.strict_classes:
        missing = [label for label in row.labels if label not in parsed.declared_classes]
        if missing:
            return f"The class {missing[0]!r} is not declared in the file's classes."
    return None


def _count_labels_once(row: Row, checked: CheckedRows) -> None:
    """A class a document lists twice (Azure's `classes` allows it; names match as the
    project's do, ignoring case) is tagged once, with a warning rather than a failed import."""
    first: dict[str, str] = {}
    for label in row.labels:
        first.setdefault(label.lower(), label)
    if len(first) == len(row.labels):
        return
    keys = [label.lower() for label in row.labels]
    repeated = ", ".join(repr(label) for key, label in first.items() if keys.count(key) > 1)
    checked.warnings.append(
        {
            **row.where,
            "reason": f"Listed more than once for this document: {repeated}; tagged once.",
        }
    )
    row.labels = list(first.values())


def _repair_class_names(parsed: Parsed, checked: CheckedRows, *, apply: bool) -> None:
    """Offer a repaired name for every class name Azure forbids (`reverted_card_payment?` →
    `reverted_card_payment_`); with `apply`, rename the classes and the rows' labels to it,
    each row so renamed with a warning."""
    labels = (label for row in parsed.rows for label in row.labels)
    for name in dict.fromkeys([*parsed.declared_classes, *labels]):
        repaired = repaired_class_name(name)
        if repaired:
            checked.class_repairs[name] = repaired
    if not apply or not checked.class_repairs:
        return
    repairs = checked.class_repairs
    declared = (repairs.get(name, name) for name in parsed.declared_classes)
    parsed.declared_classes = list(dict.fromkeys(declared))
    for row in parsed.rows:
        renamed = [label for label in row.labels if label in repairs]
        if not renamed:
            continue
        row.labels = [repairs.get(label, label) for label in row.labels]
        changes = ", ".join(f"{label!r} as {repairs[label]!r}" for label in renamed)
        checked.warnings.append(
            {**row.where, "reason": f"Class name repaired (Azure forbids it): tagged {changes}."}
        )
