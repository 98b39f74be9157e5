"""The import service with every format, good and bad files, and export round trips."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from django.test import override_settings

from projects import exporters, storage
from projects.formats import Source
from projects.importers import import_documents
from projects.landing import ImportOptions
from projects.models import Class, Document, Tag
from studio.errors import TooLarge


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tags(project) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, category in Tag.objects.filter(document__project=project).values_list(
        "document__name", "category__name"
    ):
        result.setdefault(name, []).append(category)
    return {name: sorted(c) for name, c in result.items()}


def reasons(report) -> list[tuple]:
    return [(e.get("file"), e.get("line"), e["reason"]) for e in report.errors]


def test_txt_files_land_in_the_database_and_the_container(project, editor):
    report = import_documents(
        project,
        [
            Source("a.txt", b"Hello"),
            Source("b.txt", "\ufeffBOM dropped".encode()),
            Source("empty.txt", b"  \n"),
            Source("binary.txt", b"\x00\x01\x02"),
            Source("latin.txt", "café".encode("latin-1")),
            Source("huge.txt", ("x" * 128_001).encode()),
            Source("image.png", b"\x89PNG"),
        ],
        user=editor,
    )
    assert report.imported == 2
    assert Document.objects.get(name="b.txt").text == "BOM dropped"
    assert storage.read_document(project, "a.txt") == b"Hello"
    bad = {e["file"]: e["reason"] for e in report.errors}
    assert set(bad) == {"empty.txt", "binary.txt", "latin.txt", "huge.txt", "image.png"}
    assert "empty" in bad["empty.txt"]
    assert "UTF-8" in bad["binary.txt"]
    assert "128,000" in bad["huge.txt"]
    assert "Unsupported" in bad["image.png"]


def test_a_zip_of_txt_keeps_folders_in_names(project, editor):
    data = zipped({"billing/1.txt": "Refund please", "shipping/2.txt": "Where is it", "x.bin": "?"})
    report = import_documents(project, [Source("docs.zip", data)], user=editor)
    assert report.imported == 2
    assert set(Document.objects.values_list("name", flat=True)) == {
        "billing/1.txt",
        "shipping/2.txt",
    }
    assert reasons(report) == [("docs.zip/x.bin", None, "Only .txt files are imported from a zip.")]


def test_csv_with_labels_splits_and_every_bad_row_reported(project, editor):
    csv_text = (
        "name,text,label,split\n"
        "one,First text,Billing,train\n"
        ',"Second, quoted\ntext",Shipping,\n'
        "three,,Billing,\n"
        "four,Fourth,Billing;Shipping,\n"
        "five,Fifth,Billing,later\n"
        "one,Duplicate,Billing,\n"
    )
    report = import_documents(project, [Source("t.csv", csv_text.encode())], user=editor)
    assert report.imported == 2
    assert report.created_classes == ["Billing", "Shipping"]
    assert tags(project) == {"one": ["Billing"], "t-3.txt": ["Shipping"]}
    assert Document.objects.get(name="one").split == "train"
    lines = {e["line"]: e["reason"] for e in report.errors}
    assert set(lines) == {5, 6, 7, 8}  # the quoted row spans lines 3 and 4
    assert "empty" in lines[5]
    assert "single-label" in lines[6]
    assert "Unknown split" in lines[7]
    assert "Duplicate name" in lines[8]


def test_csv_without_text_column_and_multi_label_repeated_columns(multi_project, editor):
    bad = import_documents(multi_project, [Source("x.csv", b"name,body\na,b\n")], user=editor)
    assert bad.imported == 0
    assert "'text' column" in bad.errors[0]["reason"]
    good = "text,label,label\nAbout both,A,B\nOnly one,A,\n"
    report = import_documents(multi_project, [Source("m.csv", good.encode())], user=editor)
    assert report.imported == 2
    assert tags(multi_project) == {"m-2.txt": ["A", "B"], "m-3.txt": ["A"]}


def test_jsonl_with_bad_lines(multi_project, editor):
    lines = [
        json.dumps({"name": "a", "text": "Alpha", "labels": ["X", "Y"], "split": "test"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"name": "b", "text": "Beta", "labels": "X;Z"}),
    ]
    data = "\n".join(lines).encode()
    report = import_documents(multi_project, [Source("d.jsonl", data)], user=editor)
    assert report.imported == 2
    assert tags(multi_project) == {"a": ["X", "Y"], "b": ["X", "Z"]}
    assert [e["line"] for e in report.errors] == [2, 3]


def test_duplicates_are_skipped_or_replaced(project, editor):
    import_documents(project, [Source("a.txt", b"old")], user=editor)
    skipped = import_documents(project, [Source("a.txt", b"new")], user=editor)
    assert skipped.skipped == 1
    assert Document.objects.get().text == "old"
    replaced = import_documents(
        project,
        [Source("a.txt", b"new")],
        user=editor,
        options=ImportOptions(on_duplicate="replace"),
    )
    assert replaced.replaced == 1
    assert Document.objects.get().text == "new"


def azure_json(kind: str, documents: list[dict]) -> dict:
    return {
        "projectFileVersion": "2022-05-01",
        "metadata": {"projectKind": kind},
        "assets": {
            "projectKind": kind,
            "classes": [{"category": "A"}, {"category": "B"}],
            "documents": documents,
        },
    }


def test_azure_json_reads_texts_from_the_container_a_zip_or_inline(project, editor):
    storage.write_document(project, "in/container.txt", "From the container")
    payload = azure_json(
        "CustomSingleLabelClassification",
        [
            {"location": "in/container.txt", "language": "en-us", "dataset": "Train",
             "class": {"category": "A"}},
            {"location": "zipped.txt", "dataset": "Test", "class": {"category": "B"}},
            {"location": "inline.txt", "text": "Inline text", "class": {"category": "B"}},
            {"location": "missing.txt", "class": {"category": "A"}},
            {"location": "undeclared.txt", "text": "t", "class": {"category": "C"}},
        ],
    )  # fmt: skip
    report = import_documents(
        project,
        [
            Source("project.json", json.dumps(payload).encode()),
            Source("texts.zip", zipped({"zipped.txt": "From the zip"})),
        ],
        user=editor,
    )
    assert report.imported == 3
    assert tags(project) == {"in/container.txt": ["A"], "zipped.txt": ["B"], "inline.txt": ["B"]}
    assert Document.objects.get(name="zipped.txt").split == "test"
    assert Document.objects.get(name="in/container.txt").language == "en-us"
    bad = {e["file"]: e["reason"] for e in report.errors}
    assert "No file 'missing.txt'" in bad["missing.txt"]
    assert "not declared" in bad["undeclared.txt"]


def test_preview_tags_file(multi_project, editor):
    payload = {
        "classifiers": [{"name": "Class1"}, {"name": "Class2"}],
        "documents": [
            {"location": "f1.txt", "language": "en-us", "text": "One",
             "classifiers": [{"classifierName": "Class2"}, {"classifierName": "Class1"}]},
        ],
    }  # fmt: skip
    report = import_documents(
        multi_project, [Source("tags.json", json.dumps(payload).encode())], user=editor
    )
    assert report.imported == 1
    assert tags(multi_project) == {"f1.txt": ["Class1", "Class2"]}


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bad.json", b"{nope", "Not valid JSON"),
        ("deep.json", b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        ("list.json", b"[1, 2]", "must hold an object"),
        ("other.json", b'{"hello": 1}', "neither an Azure exported project"),
        ("bad.zip", b"PK not really", "zip file cannot be read"),
        ("bin.csv", b"\x00\xff", "not UTF-8"),
    ],
)
def test_unreadable_files_are_reported(project, editor, name, data, reason):
    report = import_documents(project, [Source(name, data)], user=editor)
    assert report.imported == 0
    assert reason in report.errors[0]["reason"]
    assert report.errors[0]["file"] == name


def fill(project, editor, kind_multi: bool) -> None:
    docs = [
        {"name": "a/1.txt", "text": "First,\n\"quoted\" text", "labels": ["A"], "split": "train"},
        {"name": "2.txt", "text": "Second ünïcode", "labels": ["B", "A"] if kind_multi else ["B"],
         "split": "test"},
        {"name": "3.txt", "text": "Untagged", "labels": [], "split": "auto"},
    ]  # fmt: skip
    data = "".join(json.dumps(d) + "\n" for d in docs).encode()
    report = import_documents(project, [Source("seed.jsonl", data)], user=editor)
    assert report.imported == 3
    assert not report.errors
    Class.objects.create(project=project, name="Unused", order=99)


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_round_trip_through_every_export_format(make_project, editor, kind):
    from projects.models import ProjectKind

    project_kind = ProjectKind.MULTI_LABEL if kind == "multi" else ProjectKind.SINGLE_LABEL
    source = make_project(name=f"Source-{kind}", kind=project_kind)
    fill(source, editor, kind == "multi")
    exported = json.dumps(exporters.azure_project(source), sort_keys=True)

    copy = make_project(name=f"Copy-{kind}", kind=project_kind)
    report = import_documents(copy, [Source("x.zip", exporters.azure_zip(source))], user=editor)
    assert report.imported == 3
    assert not report.errors
    again = exporters.azure_project(copy)
    again["metadata"] = json.loads(exported)["metadata"]
    assert json.dumps(again, sort_keys=True) == exported
    assert exporters.csv_export(copy) == exporters.csv_export(source)

    for fmt, export in (("csv", exporters.csv_export), ("jsonl", exporters.jsonl_export)):
        other = make_project(name=f"{fmt}-{kind}", kind=project_kind)
        report = import_documents(other, [Source(f"x.{fmt}", export(source).encode())], user=editor)
        assert report.imported == 3
        assert not report.errors
        assert export(other) == export(source)


def test_a_deeply_nested_jsonl_line_is_rejected_and_the_rest_lands(project, editor):
    data = b'{"text": "Fine"}\n' + b"[" * 5000 + b"]" * 5000 + b"\n"
    report = import_documents(project, [Source("d.jsonl", data)], user=editor)
    assert report.imported == 1
    assert reasons(report) == [("d.jsonl", 2, "Not valid JSON: nested too deeply.")]


def test_a_deeply_nested_json_in_a_zip_is_reported_not_raised(project, editor):
    data = zipped({"deep.json": "[" * 5000 + "]" * 5000, "a.txt": "Fine"})
    report = import_documents(project, [Source("d.zip", data)], user=editor)
    assert report.imported == 1
    assert reasons(report) == [
        ("d.zip/deep.json", None, "Only .txt files are imported from a zip.")
    ]


@override_settings(STUDIO_MAX_ZIP_ENTRY_BYTES=1000)
def test_a_zip_entry_over_the_cap_is_rejected_and_the_rest_lands(project, editor):
    data = zipped({"big.txt": "x" * 1001, "small.txt": "fine"})
    report = import_documents(project, [Source("docs.zip", data)], user=editor)
    assert report.imported == 1
    assert reasons(report) == [
        ("docs.zip/big.txt", None, "The entry inflates to more than 1,000 bytes.")
    ]


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        ({"STUDIO_MAX_ZIP_TOTAL_BYTES": 1500}, "inflate to more"),
        ({"STUDIO_MAX_ZIP_ENTRIES": 2}, "more than 2 entries"),
    ],
)
def test_zips_over_the_import_caps_refuse_the_import(project, editor, cap, message):
    sources = [
        Source(f"{i}.zip", zipped({f"{i}-{j}.txt": "x" * 500 for j in range(2)})) for i in range(2)
    ]
    with override_settings(**cap), pytest.raises(TooLarge, match=message):
        import_documents(project, sources, user=editor)
    assert not Document.objects.exists()


def test_a_class_listed_twice_for_a_document_is_tagged_once_with_a_warning(multi_project, editor):
    payload = azure_json(
        "CustomMultiLabelClassification",
        [{"location": "a.txt", "text": "Both", "classes": [{"category": "A"}, {"category": "A"}]},
         {"location": "b.txt", "text": "One", "classes": [{"category": "B"}, {"category": "b"}]}],
    )  # fmt: skip
    report = import_documents(
        multi_project, [Source("p.json", json.dumps(payload).encode())], user=editor
    )
    assert report.imported == 2
    assert not report.errors
    assert tags(multi_project) == {"a.txt": ["A"], "b.txt": ["B"]}
    assert [w["file"] for w in report.warnings] == ["a.txt", "b.txt"]
    assert "tagged once" in report.warnings[0]["reason"]


HOSTILE = ['=HYPERLINK("evil.example")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn", "'=Quoted",
           "''-Twice", "'Plain", "Plain"]  # fmt: skip


def test_csv_export_neutralises_formulas_and_imports_back_exactly(make_project, editor):
    source = make_project(name="Formulas")
    labels = ["=Sum", "-Minus", "@At", "Plain"]
    records = [
        {"name": f"{text.strip()}.txt", "text": text, "labels": [labels[i % 4]]}
        for i, text in enumerate(HOSTILE)
    ]
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    assert import_documents(source, [Source("h.jsonl", data)], user=editor).imported == 10
    exported = exporters.csv_export(source)
    cells = [cell for row in csv.reader(io.StringIO(exported, newline="")) for cell in row]
    assert not [cell for cell in cells if re.match(r"[=+\-@\t\r]", cell)]
    assert '\'=HYPERLINK("evil.example")' in cells
    assert "'''-Twice" in cells
    assert "'Plain" in cells

    copy = make_project(name="Copy")
    report = import_documents(copy, [Source("x.csv", exported.encode())], user=editor)
    assert report.imported == 10
    assert not report.errors
    assert exporters.csv_export(copy) == exported
    assert sorted(Document.objects.filter(project=copy).values_list("text", flat=True)) == sorted(
        HOSTILE
    )


def test_a_forbidden_class_name_is_offered_repaired_and_the_option_applies_it(
    multi_project, editor, client_for
):
    rows = b"name,text,labels\na.txt,Card refund,reverted_card_payment?\nb.txt,Top up,top_up\n"
    offered = import_documents(multi_project, [Source("t.csv", rows)], user=editor)
    assert offered.imported == 1
    assert offered.class_repairs == {"reverted_card_payment?": "reverted_card_payment_"}
    assert "'reverted_card_payment_'" in offered.errors[0]["reason"]

    upload = io.BytesIO(rows)
    upload.name = "t.csv"
    answer = client_for(editor).post(
        f"/api/projects/{multi_project.name}/imports",
        {"files": [upload], "repair_class_names": "true"},
        format="multipart",
    )
    report = answer.json()
    assert (report["imported"], report["errors"]) == (1, [])
    assert "repaired" in report["warnings"][0]["reason"]
    assert tags(multi_project)["a.txt"] == ["reverted_card_payment_"]


def test_a_failure_while_landing_leaves_the_project_as_it_was(project, editor, monkeypatch):
    import_documents(project, [Source("old.txt", b"Old")], user=editor)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Tag.objects, "bulk_create", broken)
    rows = b"name,text,label\nnew.txt,New,Billing\n"
    with pytest.raises(RuntimeError):
        import_documents(project, [Source("t.csv", rows)], user=editor)
    assert list(Document.objects.values_list("name", flat=True)) == ["old.txt"]
    assert not Class.objects.filter(project=project).exists()
