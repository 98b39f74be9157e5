"""Plain-text files, parsed alone: one document each."""

from __future__ import annotations

from projects.formats import Parsed, Source
from projects.formats.rows import NOT_TEXT
from projects.formats.txt import parse_txt


def test_a_txt_file_is_one_untagged_automatic_document_written_to_the_container():
    parsed = Parsed()
    parse_txt(Source("billing/17.txt", "\ufeffHello,\nworld".encode()), parsed)
    [row] = parsed.rows
    assert (row.name, row.text, row.labels, row.split) == (
        "billing/17.txt",
        "Hello,\nworld",
        [],
        "auto",
    )
    assert row.write_to_container
    assert row.where == {"file": "billing/17.txt"}


def test_a_binary_or_latin1_txt_file_is_refused_as_not_text():
    parsed = Parsed()
    parse_txt(Source("a.txt", b"caf\xe9"), parsed)
    parse_txt(Source("b.txt", b"x\x00y"), parsed)
    assert parsed.rows == []
    assert parsed.errors == [
        {"file": "a.txt", "reason": NOT_TEXT},
        {"file": "b.txt", "reason": NOT_TEXT},
    ]
