"""CSV: a header row with a `text` column, and the formula guard the CSV export writes and this
reader undoes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import PurePosixPath
from typing import Any

from projects.formats.rows import NOT_TEXT, Parsed, Source, decode, labels_of, parse_record

# OWASP's CSV injection rule: a spreadsheet runs a cell starting with one of these, so such a cell
# gets a leading `'`. Cells already starting with `'`s before one get one more, so the import can
# drop exactly one and every cell round-trips.
_FORMULA_RE = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED_RE = re.compile(r"^'+[=+\-@\t\r]")


def escape_cell(value: str) -> str:
    """The cell as the export writes it, so that a spreadsheet does not run it as a formula."""
    return f"'{value}" if _FORMULA_RE.match(value) else value


def unescape_cell(value: str) -> str:
    """The cell as it was before `escape_cell`."""
    return value[1:] if _ESCAPED_RE.match(value) else value


def parse_csv(source: Source, parsed: Parsed) -> None:
    """Each row under the header as a row. Blank rows are skipped; `label` and `labels` columns
    (repeatable, `;`-separated) are merged; a row without a name is named `<file>-<line>.txt`."""
    text = decode(source.data)
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
                label for i in label_columns if i < len(values) for label in labels_of(values[i])
            ]
            parse_record(
                record, parsed, file=source.name, line=line, default_name=f"{stem}-{line}.txt"
            )
    except csv.Error as exc:
        parsed.reject(
            f"The CSV file cannot be read: {exc}.", file=source.name, line=reader.line_num
        )
