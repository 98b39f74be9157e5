"""CSV, parsed alone: header, labels, splits, names, the formula guard and broken files."""

from __future__ import annotations

import pytest

from projects.formats import Parsed, Source
from projects.formats.csvfile import escape_cell, parse_csv, unescape_cell


def parse(text: str, name: str = "t.csv") -> Parsed:
    parsed = Parsed()
    parse_csv(Source(name, text.encode()), parsed)
    return parsed


def test_each_row_becomes_a_row_with_merged_label_columns():
    parsed = parse("Text,Label,labels,split,name\nhi,A,B;C,train,x.txt\n")
    [row] = parsed.rows
    assert (row.name, row.text, row.labels, row.split) == ("x.txt", "hi", ["A", "B", "C"], "train")
    assert row.where == {"file": "t.csv", "line": 2}
    assert not row.write_to_container


def test_a_row_without_a_name_is_named_after_the_file_and_its_line():
    parsed = parse('text\n"two\nlines"\nnext\n')
    assert [(r.name, r.where["line"]) for r in parsed.rows] == [("t-2.txt", 2), ("t-4.txt", 4)]


def test_blank_rows_are_skipped_and_a_repeated_label_counts_once():
    parsed = parse("text,label,label\n,,\nhi,A,A\n")
    assert [r.labels for r in parsed.rows] == [["A"]]


def test_an_unknown_split_refuses_the_row_only():
    parsed = parse("text,split\na,validation\nb,TEST\n")
    assert [r.split for r in parsed.rows] == ["test"]
    assert parsed.errors == [
        {
            "file": "t.csv",
            "line": 2,
            "reason": "Unknown split 'validation': use train, test or auto.",
        }
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "The CSV file is empty."),
        ("name,body\na,b\n", "The CSV file needs a header row with a 'text' column."),
    ],
)
def test_a_file_without_a_text_header_is_refused(text, reason):
    assert parse(text).errors == [{"file": "t.csv", "reason": reason}]


def test_a_row_with_a_nul_byte_is_refused_as_not_text():
    assert parse("text\na\x00b\n").errors[0]["reason"].startswith("The file is not UTF-8")


@pytest.mark.parametrize("cell", ["=1+1", "'=1+1", "+x", "-x", "@x", "plain", "'plain"])
def test_the_export_formula_guard_round_trips(cell):
    assert unescape_cell(escape_cell(cell)) == cell


def test_a_guarded_cell_imports_as_written_before_the_guard():
    parsed = parse(f"text\n{escape_cell('=SUM(A1)')}\n")
    assert parsed.rows[0].text == "=SUM(A1)"
