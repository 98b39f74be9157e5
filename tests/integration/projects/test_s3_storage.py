"""Project containers on S3-compatible storage, against moto's real HTTP S3 endpoint.

The import service is the same as for folders; only STUDIO_STORAGE_URL and the endpoint change,
so these tests go through `import_documents` and look at the bucket with a plain boto3 client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from moto.server import ThreadedMotoServer

from projects import storage
from projects.formats import Source
from projects.importers import import_documents
from projects.models import Document, Project

PREFIX = "studio/containers"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """A fresh bucket that the studio's containers point at, as a boto3 Bucket to inspect.

    The folder backend gets an empty folder of its own, so a test can see nothing landed there.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "studio-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "studio-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"studio-{uuid.uuid4().hex[:12]}"
    s3 = boto3.resource("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=name)
    settings.STUDIO_STORAGE_URL = f"s3://{name}/{PREFIX}/"
    settings.STUDIO_S3_ENDPOINT_URL = endpoint
    settings.STUDIO_STORAGE_DIR = tmp_path / "storage"
    return s3.Bucket(name)


def keys(bucket: Any) -> set[str]:
    return {item.key for item in bucket.objects.all()}


def body(bucket: Any, key: str) -> bytes:
    return bucket.Object(key).get()["Body"].read()


def document(location: str, dataset: str, category: str) -> dict[str, Any]:
    return {
        "location": location,
        "language": "en-us",
        "dataset": dataset,
        "class": {"category": category},
    }


def azure_json(documents: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "projectFileVersion": "2022-05-01",
            "stringIndexType": "Utf16CodeUnit",
            "metadata": {
                "projectKind": "CustomSingleLabelClassification",
                "storageInputContainerName": "reviews",
                "projectName": "Reviews",
                "language": "en-us",
            },
            "assets": {
                "projectKind": "CustomSingleLabelClassification",
                "classes": [{"category": "Billing"}, {"category": "Shipping"}],
                "documents": documents,
            },
        }
    ).encode()


def test_uploaded_txt_files_are_written_to_the_bucket(bucket, settings, project, editor):
    report = import_documents(
        project,
        [Source("a.txt", b"Hello"), Source("billing/b.txt", "Caf\u00e9 bill".encode())],
        user=editor,
    )
    assert report.imported == 2, report.errors
    container = f"{PREFIX}/{project.storage_container}"
    assert keys(bucket) == {f"{container}/a.txt", f"{container}/billing/b.txt"}
    assert body(bucket, f"{container}/billing/b.txt") == "Caf\u00e9 bill".encode()
    assert storage.read_document(project, "a.txt") == b"Hello"
    # Nothing went to the local folder.
    assert not Path(settings.STUDIO_STORAGE_DIR).exists()


def test_azure_json_alone_reads_locations_from_the_bucket(bucket, project, editor):
    container = f"{PREFIX}/{project.storage_container}"
    bucket.put_object(Key=f"{container}/in/1.txt", Body=b"Refund my order")
    bucket.put_object(Key=f"{container}/in/2.txt", Body=b"Where is my parcel")
    data = azure_json(
        [
            document("in/1.txt", "Train", "Billing"),
            document("in/2.txt", "Test", "Shipping"),
            document("in/gone.txt", "Train", "Billing"),
        ]
    )
    report = import_documents(project, [Source("project.json", data)], user=editor)
    assert report.imported == 2
    assert dict(Document.objects.filter(project=project).values_list("name", "text")) == {
        "in/1.txt": "Refund my order",
        "in/2.txt": "Where is my parcel",
    }
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error["file"] == "in/gone.txt"
    assert "No file 'in/gone.txt'" in error["reason"]


def test_a_location_leaving_the_container_is_refused(bucket, project, editor):
    bucket.put_object(Key=f"{PREFIX}/secret.txt", Body=b"Not for this project")
    data = azure_json([document("../secret.txt", "Train", "Billing")])
    report = import_documents(project, [Source("project.json", data)], user=editor)
    assert report.imported == 0
    assert [e["file"] for e in report.errors] == ["../secret.txt"]
    for location in ("../secret.txt", "/etc/passwd", "a//b.txt", "..\\secret.txt"):
        with pytest.raises(SuspiciousFileOperation):
            storage.read_document(project, location)
        with pytest.raises(SuspiciousFileOperation):
            storage.write_document(project, location, "nope")
    assert keys(bucket) == {f"{PREFIX}/secret.txt"}


def test_a_container_outside_the_rule_is_refused_as_a_key_prefix(bucket, project):
    """Defence in depth: a stored container that breaks the rule never becomes a key prefix."""
    Project.objects.filter(pk=project.pk).update(storage_container="..")
    project.refresh_from_db()
    with pytest.raises(SuspiciousFileOperation):
        storage.write_document(project, "a.txt", "nope")
    with pytest.raises(SuspiciousFileOperation):
        storage.read_document(project, "secret.txt")
    assert keys(bucket) == set()


def test_a_bucket_without_prefix_keeps_containers_at_the_top(bucket, settings, project):
    settings.STUDIO_STORAGE_URL = f"s3://{bucket.name}"
    storage.write_document(project, "top.txt", "At the top")
    assert keys(bucket) == {f"{project.storage_container}/top.txt"}
    assert storage.read_document(project, "top.txt") == b"At the top"


@pytest.mark.parametrize(
    "url", ["ftp://x", "s3://", "bucket/prefix", "s3://bucket/../other", "s3://b/p?x=1"]
)
def test_a_misconfigured_url_is_refused_on_first_use(settings, project, url):
    settings.STUDIO_STORAGE_URL = url
    with pytest.raises(ImproperlyConfigured, match="STUDIO_STORAGE_URL must be"):
        storage.read_document(project, "a.txt")


def test_a_misconfigured_url_stops_the_start():
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DEBUG"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "studio.settings",
            "STUDIO_STORAGE_URL": "ftp://x",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: STUDIO_STORAGE_URL must be empty" in result.stderr
    assert "'ftp://x'" in result.stderr
