"""Names from clients never become paths outside the project's own
container, whichever route, upload or stored row they come from."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation

from projects import exporters, storage
from projects.formats import Source
from projects.importers import import_documents
from projects.models import Document, Project

pytestmark = pytest.mark.django_db

GA = "/language/authoring/analyze-text/projects"
V = "api-version=2023-04-01"
SINGLE = "CustomSingleLabelClassification"


@pytest.fixture
def storage_dir(settings, tmp_path: Path) -> Path:
    """The containers' folder, inside a folder that also holds a secret to steal."""
    (tmp_path / "secret_key").write_text("not for you")
    settings.STUDIO_STORAGE_DIR = tmp_path / "storage"
    return settings.STUDIO_STORAGE_DIR


def files_in(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def patch(client, name: str, body: dict):
    return client.patch(
        f"{GA}/{name}?{V}", data=json.dumps(body), content_type="application/merge-patch+json"
    )


@pytest.mark.parametrize("container", ["../../../etc", ".."])
def test_azure_import_refuses_a_container_outside_storage(client_for, outsider, container):
    exported = {
        "projectFileVersion": "2022-05-01",
        "metadata": {"projectKind": SINGLE, "storageInputContainerName": container},
        "assets": {"projectKind": SINGLE, "classes": [], "documents": [{"location": "passwd"}]},
    }
    answer = client_for(outsider).post(f"{GA}/Stolen/:import?{V}", exported, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["target"] == "storageInputContainerName"
    assert not Project.objects.exists()


@pytest.mark.parametrize("container", ["../../../etc", ".."])
def test_azure_create_refuses_a_container_outside_storage(client_for, outsider, container):
    body = {"projectKind": SINGLE, "language": "en", "storageInputContainerName": container}
    answer = patch(client_for(outsider), "Stolen", body)
    assert answer.status_code == 400
    assert "3 to 63 lowercase letters" in answer.json()["error"]["message"]
    assert not Project.objects.exists()


def test_naming_another_projects_container_is_a_409(client_for, outsider, project):
    body = {"projectKind": SINGLE, "storageInputContainerName": project.storage_container}
    answer = patch(client_for(outsider), "Mine", body)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "ContainerAlreadyInUse"
    assert list(Project.objects.values_list("name", flat=True)) == ["Reviews"]


@pytest.mark.parametrize("name", ["..", ".", "..."])
def test_studio_api_refuses_a_project_named_with_dots_only(client_for, outsider, name):
    client = client_for(outsider)
    answer = client.post("/api/projects", {"name": name, "kind": "single_label"}, format="json")
    assert answer.status_code == 400
    assert patch(client, "%2E%2E", {"projectKind": SINGLE}).status_code == 400
    assert not Project.objects.exists()


def test_a_location_leaving_the_container_is_never_read(client_for, storage_dir, editor, project):
    exported = {
        "projectFileVersion": "2022-05-01",
        "metadata": {"projectKind": SINGLE},
        "assets": {
            "projectKind": SINGLE,
            "classes": [],
            "documents": [{"location": "../secret_key"}, {"location": "/etc/passwd"}],
        },
    }
    report = import_documents(
        project, [Source("p.json", json.dumps(exported).encode())], user=editor
    )
    assert report.imported == 0
    assert [e["file"] for e in report.errors] == ["../secret_key", "/etc/passwd"]
    export = client_for(editor).get(f"/api/projects/{project.name}/export?format=zip")
    assert b"not for you" not in export.content
    assert b"root:" not in export.content


@pytest.mark.parametrize("name", ["../../x.txt", "..\\..\\w.txt", "/abs.txt"])
def test_an_upload_named_with_dots_writes_nothing_outside_storage(
    storage_dir, editor, project, name
):
    report = import_documents(project, [Source(name, b"escaped")], user=editor)
    assert report.imported == 0
    assert report.errors[0]["file"] == name
    assert files_in(storage_dir.parent) == {"secret_key"}
    assert not Document.objects.exists()


def test_studio_api_refuses_a_document_named_as_a_path_out(client_for, editor, project):
    body = {"name": "../../x.txt", "text": "escaped"}
    answer = client_for(editor).post(f"/api/projects/{project.name}/documents", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["target"] == "name"


def test_storage_refuses_a_bad_container_even_when_stored(storage_dir, project):
    """Defence in depth: a row that slipped past the services is still refused by storage."""
    Project.objects.filter(pk=project.pk).update(storage_container="..")
    project.refresh_from_db()
    with pytest.raises(SuspiciousFileOperation):
        storage.read_document(project, "secret_key")
    with pytest.raises(SuspiciousFileOperation):
        storage.write_document(project, "x.txt", "escaped")
    assert files_in(storage_dir.parent) == {"secret_key"}


def test_an_import_through_a_bad_stored_container_is_a_400_not_a_500(
    client_for, storage_dir, editor, project
):
    Project.objects.filter(pk=project.pk).update(storage_container="..")
    exported = {
        "projectFileVersion": "2022-05-01",
        "metadata": {"projectKind": SINGLE},
        "assets": {"projectKind": SINGLE, "classes": [], "documents": [{"location": "secret_key"}]},
    }
    answer = client_for(editor).post(f"{GA}/{project.name}/:import?{V}", exported, format="json")
    assert answer.status_code == 400
    assert "not for you" not in answer.content.decode()
    assert not Document.objects.exists()


def test_storage_refuses_a_symlink_leaving_the_container(storage_dir, project):
    container = storage_dir / project.storage_container
    container.mkdir(parents=True)
    (container / "out").symlink_to(storage_dir.parent)
    with pytest.raises(SuspiciousFileOperation):
        storage.read_document(project, "out/secret_key")
    with pytest.raises(SuspiciousFileOperation):
        storage.write_document(project, "out/x.txt", "escaped")
    assert files_in(storage_dir.parent) == {"secret_key"}


def zipped(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, f"text of {name}")
    return buffer.getvalue()


def test_a_zip_slip_upload_is_rejected_entry_by_entry(storage_dir, editor, project):
    bad = ["../../x.txt", "/abs.txt", "..\\..\\w.txt"]
    report = import_documents(project, [Source("slip.zip", zipped([*bad, "ok.txt"]))], user=editor)
    assert report.imported == 1
    assert [e["file"] for e in report.errors] == bad
    assert all("absolute" in e["reason"] or "folder" in e["reason"] or "backslash" in e["reason"]
               for e in report.errors)  # fmt: skip
    assert files_in(storage_dir.parent) == {
        "secret_key",
        f"storage/{project.storage_container}/ok.txt",
    }


def test_the_zip_export_writes_only_safe_entries_that_import_back(make_project, editor, project):
    """Rows stored before the rule (written here past the services) export under safe names."""
    for name in ("../../x.txt", "/abs.txt", "..\\..\\w.txt", "x.txt"):
        Document.objects.create(
            project=project, name=name, text=f"text of {name}", content_hash="h"
        )
    data = exporters.azure_zip(project)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = set(archive.namelist())
        listed = json.loads(archive.read("project.json"))["assets"]["documents"]
    assert entries == {"project.json", "x.txt", "x-2.txt", "abs.txt", "w.txt"}
    assert {d["location"] for d in listed} == entries - {"project.json"}

    copy = make_project(name="Copy")
    report = import_documents(copy, [Source("export.zip", data)], user=editor)
    assert report.imported == 4
    assert not report.errors
    assert Document.objects.get(project=copy, name="x-2.txt").text == "text of ../../x.txt"
