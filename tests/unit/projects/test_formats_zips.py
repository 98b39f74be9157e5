"""Zip uploads, parsed alone: entries inflated under caps, and the whole upload dispatched."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from projects.formats import Parsed, ProjectFacts, Source, ZipLimits, ZipTooLarge, parse_sources
from projects.formats.sizes import size_text
from projects.formats.zips import ZipRoom, zip_entries

ROOMY = ZipLimits(total_bytes=10_000, entries=10, entry_bytes=1_000)
NO_CONTAINER = ProjectFacts(language="en", container="box", read_document=lambda _: None)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_entries_are_read_with_folders_and_macos_forks_skipped():
    data = zipped({"a.txt": b"A", "dir/": b"", "__MACOSX/._a.txt": b"x", "b/c.txt": b"C"})
    parsed = Parsed()
    assert zip_entries(Source("z.zip", data), parsed, ZipRoom(ROOMY)) == {
        "a.txt": b"A",
        "b/c.txt": b"C",
    }


def test_an_entry_past_its_cap_is_refused_and_the_others_kept():
    data = zipped({"big.txt": b"x" * 1_001, "ok.txt": b"ok"})
    parsed = Parsed()
    assert zip_entries(Source("z.zip", data), parsed, ZipRoom(ROOMY)) == {"ok.txt": b"ok"}
    assert parsed.errors == [
        {"file": "z.zip/big.txt", "reason": "The entry inflates to more than 1,000 bytes."}
    ]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ZipLimits(total_bytes=3, entries=10, entry_bytes=1_000), "inflate to more than 3 bytes"),
        (ZipLimits(total_bytes=10_000, entries=1, entry_bytes=1_000), "more than 1 entries"),
    ],
)
def test_zips_past_the_import_caps_refuse_the_upload(limits, message):
    data = zipped({"a.txt": b"AA", "b.txt": b"BB"})
    with pytest.raises(ZipTooLarge, match=message) as raised:
        zip_entries(Source("z.zip", data), Parsed(), ZipRoom(limits))
    assert raised.value.target == "z.zip"


def test_a_broken_zip_is_refused_with_its_reason():
    parsed = Parsed()
    assert zip_entries(Source("z.zip", b"not a zip"), parsed, ZipRoom(ROOMY)) is None
    assert parsed.errors[0]["reason"].startswith("The zip file cannot be read: ")


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1_000, "1,000 bytes"), (1024 * 1024, "1 MB"), (5 * 1024 * 1024 + 7, "5 MB")],
)
def test_caps_are_worded_in_whole_megabytes_or_bytes(size, text):
    assert size_text(size) == text


def test_an_upload_mixes_formats_and_refuses_unknown_files():
    sources = [
        Source("a.txt", b"A"),
        Source("t.csv", b"text\nrow\n"),
        Source("d.jsonl", b'{"text": "line"}\n'),
        Source("z.zip", zipped({"in.txt": b"zipped", "x.pdf": b"%PDF"})),
        Source("w.docx", b""),
    ]
    parsed = parse_sources(sources, project=NO_CONTAINER, limits=ROOMY)
    assert [r.text for r in parsed.rows] == ["A", "row", "line", "zipped"]
    assert [e["file"] for e in parsed.errors] == ["w.docx", "z.zip/x.pdf"]


def test_a_zip_with_a_project_json_imports_as_that_project_with_its_files():
    project = {"assets": {"classes": [{"category": "A"}], "documents": [{"location": "d/1.txt"}]}}
    data = zipped({"project.json": json.dumps(project).encode(), "d/1.txt": b"one"})
    parsed = parse_sources([Source("x.zip", data)], project=NO_CONTAINER, limits=ROOMY)
    assert [(r.name, r.text, r.where) for r in parsed.rows] == [
        ("d/1.txt", "one", {"file": "d/1.txt"})
    ]
    assert parsed.declared_classes == ["A"]


def test_a_zip_beside_a_json_supplies_its_texts():
    project = {"assets": {"classes": [], "documents": [{"location": "1.txt"}]}}
    sources = [
        Source("p.json", json.dumps(project).encode()),
        Source("t.zip", zipped({"1.txt": b"one"})),
    ]
    parsed = parse_sources(sources, project=NO_CONTAINER, limits=ROOMY)
    assert [r.text for r in parsed.rows] == ["one"]
