"""JSON Lines, parsed alone: one object a line; a bad line is refused on its own."""

from __future__ import annotations

import json

from projects.formats import Parsed, Source
from projects.formats.jsonl import parse_jsonl
from projects.formats.rows import TOO_DEEP


def parse(lines: list[str]) -> Parsed:
    parsed = Parsed()
    parse_jsonl(Source("d.jsonl", "\n".join(lines).encode()), parsed)
    return parsed


def test_each_object_becomes_a_row_with_list_or_string_labels():
    parsed = parse(
        [
            json.dumps({"text": "a", "labels": ["X", "Y"], "language": "fr"}),
            "",
            json.dumps({"text": "b", "label": "Z", "name": "b.txt", "split": "Train"}),
        ]
    )
    assert [(r.name, r.labels, r.split, r.language) for r in parsed.rows] == [
        ("d-1.txt", ["X", "Y"], "auto", "fr"),
        ("b.txt", ["Z"], "train", ""),
    ]
    assert parsed.rows[1].where == {"file": "d.jsonl", "line": 3}


def test_bad_lines_are_refused_with_their_line_and_the_rest_parse():
    parsed = parse(["{", "[1]", '{"name": "x"}', "[" * 5000, '{"text": "ok"}'])
    assert [r.text for r in parsed.rows] == ["ok"]
    assert parsed.errors == [
        {
            "file": "d.jsonl",
            "line": 1,
            "reason": "Not valid JSON: Expecting property name enclosed in double quotes.",
        },
        {"file": "d.jsonl", "line": 2, "reason": "Each line must be a JSON object."},
        {"file": "d.jsonl", "line": 3, "reason": "The row has no text."},
        {"file": "d.jsonl", "line": 4, "reason": TOO_DEEP},
    ]
