"""Azure's project JSON, parsed alone: GA exports, preview tags files, and where texts come from."""

from __future__ import annotations

import json
from typing import Any

from projects.formats import Parsed, ProjectFacts, Source
from projects.formats.azure import is_project_json, parse_azure_json

CONTAINER = {"in/container.txt": b"from the container"}


def facts(language: str = "en") -> ProjectFacts:
    return ProjectFacts(language=language, container="box", read_document=CONTAINER.get)


def parse(payload: Any, texts: dict[str, bytes] | None = None) -> Parsed:
    parsed = Parsed()
    source = Source("p.json", json.dumps(payload).encode())
    parse_azure_json(source, parsed, project=facts(), texts=texts or {})
    return parsed


def export(*documents: dict[str, Any], classes: tuple[str, ...] = ("A", "B")) -> dict[str, Any]:
    return {"assets": {"classes": [{"category": c} for c in classes], "documents": list(documents)}}


def test_a_ga_export_declares_its_classes_and_reads_inline_zip_and_container_texts():
    parsed = parse(
        export(
            {"location": "a.txt", "text": "inline", "dataset": "Train", "class": {"category": "A"}},
            {"location": "z.txt", "classes": [{"category": "A"}, {"category": "B"}]},
            {"location": "in/container.txt", "dataset": "Test", "language": "fr"},
        ),
        texts={"z.txt": b"from the zip"},
    )
    assert parsed.errors == []
    assert parsed.declared_classes == ["A", "B"]
    assert parsed.strict_classes
    assert [(r.name, r.text, r.labels, r.split, r.language) for r in parsed.rows] == [
        ("a.txt", "inline", ["A"], "train", ""),
        ("z.txt", "from the zip", ["A", "B"], "auto", ""),
        ("in/container.txt", "from the container", [], "test", "fr"),
    ]


def test_the_project_language_is_stored_as_no_language_of_its_own():
    parsed = parse(export({"location": "a.txt", "text": "t", "language": "en"}))
    assert parsed.rows[0].language == ""


def test_a_preview_tags_file_reads_its_classifiers():
    parsed = parse(
        {
            "classifiers": [{"name": "Sports"}],
            "documents": [
                {"location": "s.txt", "text": "goal", "classifiers": [{"classifierName": "Sports"}]}
            ],
        }
    )
    assert parsed.declared_classes == ["Sports"]
    assert parsed.rows[0].labels == ["Sports"]


def test_documents_are_refused_each_with_its_reason_in_order():
    parsed = parse(
        export(
            {"text": "no location"},
            {"location": "../up.txt", "text": "t"},
            {"location": "d.txt", "text": "t", "dataset": "Validation"},
            {"location": "missing.txt"},
        )
    )
    assert parsed.rows == []
    assert parsed.errors == [
        {"file": "p.json", "line": 1, "reason": "The document has no location."},
        {
            "file": "../up.txt",
            "reason": "The document name '../up.txt' has an empty, '.' or '..' folder.",
        },
        {"file": "d.txt", "reason": "Unknown dataset 'Validation': use Train or Test."},
        {
            "file": "missing.txt",
            "reason": "No file 'missing.txt' in the uploaded zip or in the project's container "
            "'box'.",
        },
    ]


def test_a_location_is_checked_before_the_container_is_read():
    asked: list[str] = []

    def read(location: str) -> bytes | None:
        asked.append(location)
        return None

    parsed = Parsed()
    payload = export({"location": "/etc/passwd"}, {"location": "ok.txt"})
    project = ProjectFacts(language="en", container="box", read_document=read)
    parse_azure_json(
        Source("p.json", json.dumps(payload).encode()), parsed, project=project, texts={}
    )
    assert asked == ["ok.txt"]


def test_json_that_is_not_a_project_is_refused_whole():
    assert [e["reason"] for e in parse([1]).errors] == ["The JSON file must hold an object."]
    assert parse({"x": 1}).errors[0]["reason"].startswith("This JSON is neither")
    parsed = Parsed()
    parse_azure_json(Source("p.json", b"{"), parsed, project=facts(), texts={})
    assert parsed.errors[0]["reason"].startswith("Not valid JSON: ")


def test_is_project_json_tells_a_project_from_other_json():
    assert is_project_json(json.dumps(export()).encode())
    assert not is_project_json(b'{"documents": []}')
    assert not is_project_json(b"\xff")
