"""Oversized, over-long and over-nested request bodies get a 4xx in Azure's envelope, not a 500."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from studio.asgi_handler import SyncStackASGIHandler

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
IMPORTS = "/api/projects/Reviews/imports"
AZURE = "/language/authoring/analyze-text/projects/Reviews"
VERSION = "?api-version=2023-04-01"


def test_a_json_body_over_djangos_default_imports(project, editor, client_for):
    documents = [{"name": f"d{i}.txt", "text": "word " * 2000} for i in range(300)]
    response = client_for(editor).post(IMPORTS, {"documents": documents}, format="json")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["imported"] == 300


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100_000)
@pytest.mark.parametrize("path", [IMPORTS, "/api/projects/Reviews/documents"])
def test_a_json_body_over_the_cap_answers_413(project, editor, client_for, path):
    body = {"documents": [{"name": "a.txt", "text": "x" * 200_000}]}
    response = client_for(editor).post(path, body, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestTooLarge"


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("post", IMPORTS, "application/json"),
        ("post", "/api/projects", "application/json"),
        ("post", f"{AZURE}/:import{VERSION}", "application/json"),
        ("patch", f"{AZURE}{VERSION}", "application/merge-patch+json"),
    ],
)
def test_deeply_nested_json_answers_400(project, owner, client_for, method, path, content_type):
    response = getattr(client_for(owner), method)(path, data=DEEP, content_type=content_type)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]["message"]


@override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_too_many_files_in_one_upload_answers_400(project, editor, client_for):
    files = [SimpleUploadedFile(f"{i}.txt", b"text") for i in range(3)]
    response = client_for(editor).post(IMPORTS, {"files": files}, format="multipart")
    assert response.status_code == 400
    assert "zip them" in response.json()["error"]["message"]


def test_a_txt_upload_larger_than_one_document_answers_413(project, editor, client_for):
    upload = SimpleUploadedFile("big.txt", b"x" * 600_000)
    response = client_for(editor).post(IMPORTS, {"files": [upload]}, format="multipart")
    assert response.status_code == 413
    assert "128,000 characters" in response.json()["error"]["message"]


@override_settings(STUDIO_MAX_UPLOAD_FILE_BYTES=1000)
def test_a_csv_upload_over_the_file_cap_answers_413(project, editor, client_for):
    upload = SimpleUploadedFile("rows.csv", b"text\n" + b"x" * 2000 + b"\n")
    response = client_for(editor).post(IMPORTS, {"files": [upload]}, format="multipart")
    assert response.status_code == 413
    assert response.json()["error"]["target"] == "rows.csv"


def _send(path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """One request through the studio's ASGI handler; the messages it sends back."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
    }
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:  # an event loop of its own, as in test_asgi_handler
        pool.submit(asyncio.run, SyncStackASGIHandler()(scope, receive, send)).result()
    return sent


@override_settings(STUDIO_MAX_REQUEST_BYTES=1000)
def test_a_declared_length_over_the_cap_is_a_413_envelope_before_the_body_is_read():
    sent = _send(IMPORTS, [b"x" * 2000], [(b"content-length", b"2000")])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "RequestTooLarge"


@override_settings(STUDIO_MAX_REQUEST_BYTES=1000)
def test_a_chunked_body_over_the_cap_on_a_page_is_a_plain_413_page():
    sent = _send("/projects/Reviews/data", [b"x" * 600, b"x" * 600], [])
    assert sent[0]["status"] == 413
    assert b"Request too large" in sent[1]["body"]
