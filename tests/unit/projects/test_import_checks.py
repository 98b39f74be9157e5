"""The row-check stage alone: parsed rows checked against a project's rules, no database."""

from __future__ import annotations

from projects.formats import Parsed, Row
from projects.import_checks import check_rows
from projects.models import MAX_DOCUMENT_CHARS


def row(name: str, text: str = "text", labels: list[str] | None = None, line: int = 1) -> Row:
    return Row(name, text, labels or [], "auto", "", {"file": "f", "line": line})


def test_rows_that_break_a_rule_are_refused_in_order_and_the_rest_pass():
    parsed = Parsed(
        rows=[
            row("ok.txt", line=1),
            row("empty.txt", "  ", line=2),
            row("long.txt", "x" * (MAX_DOCUMENT_CHARS + 1), line=3),
            row("../up.txt", line=4),
            row("two.txt", labels=["A", "B"], line=5),
            row("ok.txt", line=6),
        ]
    )
    checked = check_rows(parsed, multi_label=False, repair_class_names=False)
    assert [r.name for r in checked.rows] == ["ok.txt"]
    assert [(e["line"], e["reason"][:24]) for e in checked.errors] == [
        (2, "The text is empty."),
        (3, "The text has 128,001 cha"),
        (4, "The document name '../up"),
        (5, "Two or more labels (A, B"),
        (6, "Duplicate name 'ok.txt' "),
    ]


def test_a_file_that_declares_classes_refuses_rows_with_others():
    parsed = Parsed(rows=[row("a.txt", labels=["Z"])], declared_classes=["A"], strict_classes=True)
    checked = check_rows(parsed, multi_label=True, repair_class_names=False)
    assert checked.errors[0]["reason"] == "The class 'Z' is not declared in the file's classes."


def test_a_class_listed_twice_is_kept_once_with_a_warning():
    parsed = Parsed(rows=[row("a.txt", labels=["Bills", "bills", "Ship"])])
    checked = check_rows(parsed, multi_label=True, repair_class_names=False)
    assert checked.rows[0].labels == ["Bills", "Ship"]
    assert checked.warnings == [
        {
            "file": "f",
            "line": 1,
            "reason": "Listed more than once for this document: 'Bills'; tagged once.",
        }
    ]


def test_forbidden_class_names_are_offered_a_repair_and_renamed_only_when_asked():
    offered = check_rows(
        Parsed(rows=[row("a.txt", labels=["pay?"])]), multi_label=False, repair_class_names=False
    )
    assert offered.class_repairs == {"pay?": "pay_"}
    assert offered.rows[0].labels == ["pay?"]
    assert offered.warnings == []

    parsed = Parsed(rows=[row("a.txt", labels=["pay?"])], declared_classes=["pay?", "pay_"])
    repaired = check_rows(parsed, multi_label=False, repair_class_names=True)
    assert parsed.declared_classes == ["pay_"]
    assert repaired.rows[0].labels == ["pay_"]
    assert repaired.warnings[0]["reason"] == (
        "Class name repaired (Azure forbids it): tagged 'pay?' as 'pay_'."
    )


def test_progress_follows_the_rows_checked():
    calls: list[tuple[int, int]] = []
    parsed = Parsed(rows=[row(f"{i}.txt") for i in range(2_500)])
    check_rows(
        parsed, multi_label=False, repair_class_names=False, progress=lambda *a: calls.append(a)
    )
    assert calls == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]
