"""Plain-text files: each `.txt` is one document, named after the file, untagged."""

from __future__ import annotations

from projects.formats.rows import AUTO, NOT_TEXT, Parsed, Row, Source, decode


def parse_txt(source: Source, parsed: Parsed) -> None:
    """The file as one row; its text is also written to the project's container on landing, as
    Azure keeps every document as a file there."""
    text = decode(source.data)
    if text is None:
        parsed.reject(NOT_TEXT, file=source.name)
        return
    parsed.rows.append(Row(source.name, text, [], AUTO, "", {"file": source.name}, True))
