"""Project containers: the folder where a project's document files live, as Azure's blob container.

Azure reads each document's text from `storageInputContainerName` at the path `location`; the
studio keeps the same model with a folder under `STUDIO_STORAGE_DIR`, so an Azure export plus its
files can be dropped in and imported unchanged.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings

from projects.models import Project


def container_dir(project: Project) -> Path:
    return Path(settings.STUDIO_STORAGE_DIR) / (project.storage_container or project.name.lower())


def _safe_path(project: Project, location: str) -> Path | None:
    """The file for `location`, or None when the location would leave the container."""
    parts = PurePosixPath(location.replace("\\", "/")).parts
    if not parts or any(part in ("..", "") for part in parts) or parts[0] == "/":
        return None
    return container_dir(project).joinpath(*parts)


def write_document(project: Project, location: str, text: str) -> None:
    path = _safe_path(project, location)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def read_document(project: Project, location: str) -> bytes | None:
    """The raw bytes at `location` in the project's container, or None when there is no file."""
    path = _safe_path(project, location)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()
