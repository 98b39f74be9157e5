"""JSON Lines (`.jsonl`, `.ndjson`): one object a line, with the same fields as a CSV row."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from projects.formats.rows import NOT_TEXT, TOO_DEEP, Parsed, Source, decode, parse_record


def parse_jsonl(source: Source, parsed: Parsed) -> None:
    """Each line as a row; a line that is not a JSON object is refused on its own, the rest of
    the file still imports."""
    text = decode(source.data)
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
        parse_record(record, parsed, file=source.name, line=line, default_name=f"{stem}-{line}.txt")
