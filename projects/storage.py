"""Project containers: where a project's document files live, as Azure's blob container.

Azure reads each document's text from `storageInputContainerName` at the path `location`; the
studio keeps the same model so an Azure export plus its files can be dropped in and imported
unchanged. A container is a folder under `STUDIO_STORAGE_DIR`, or, when `STUDIO_STORAGE_URL` is
`s3://bucket/prefix`, the objects under `<prefix>/<container>/` in an S3-compatible bucket (so
several web and worker hosts share containers without a shared volume).

The backend is chosen from settings on every call (cheap: the S3 client is cached per endpoint),
so tests and `override_settings` can switch it without a reset.

Containers and locations come from clients, so both are checked here again, whatever the callers
checked: a name that could leave the container raises SuspiciousFileOperation (a 400).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.exceptions import ValidationError as DjangoValidationError

from projects.models import Project
from projects.names import check_document_name, validate_container_name
from studio.environment import parse_storage_url

# Errors S3-compatible servers answer for an absent key: the import reports "missing file".
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class _Backend(Protocol):
    def write(self, container: str, parts: tuple[str, ...], data: bytes) -> None: ...

    def read(self, container: str, parts: tuple[str, ...]) -> bytes | None: ...


class _Folders:
    """Containers as folders under STUDIO_STORAGE_DIR (the default, one machine or a volume)."""

    def path(self, container: str, parts: tuple[str, ...]) -> Path:
        """The file's resolved path, refused unless it stays inside the container's folder (a
        symlink pointing out of it counts as leaving)."""
        root = Path(settings.STUDIO_STORAGE_DIR).resolve() / container
        path = root.joinpath(*parts).resolve()
        if not path.is_relative_to(root) or path == root:
            location = "/".join(parts)
            raise SuspiciousFileOperation(f"{location!r} leaves the container {container!r}.")
        return path

    def write(self, container: str, parts: tuple[str, ...], data: bytes) -> None:
        path = self.path(container, parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def read(self, container: str, parts: tuple[str, ...]) -> bytes | None:
        path = self.path(container, parts)
        return path.read_bytes() if path.is_file() else None


class _Bucket:
    """Containers as key prefixes `<prefix>/<container>/` in one S3-compatible bucket."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix, client

    def key(self, container: str, parts: tuple[str, ...]) -> str:
        return "/".join([*([self.prefix] if self.prefix else []), container, *parts])

    def write(self, container: str, parts: tuple[str, ...], data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key(container, parts),
            Body=data,
            ContentType="text/plain; charset=utf-8",
        )

    def read(self, container: str, parts: tuple[str, ...]) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(container, parts))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING_CODES:
                return None
            raise
        return response["Body"].read()


@lru_cache(maxsize=4)
def _s3_client(endpoint_url: str | None) -> Any:
    """One client per endpoint; credentials and region come from boto3's own environment."""
    import boto3
    from botocore.config import Config

    # MinIO, Ceph and most S3-compatible servers are addressed by path, not by bucket host name.
    config = Config(s3={"addressing_style": "path"}) if endpoint_url else None
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)


def _backend() -> _Backend:
    where = parse_storage_url(settings.STUDIO_STORAGE_URL or "")
    if where is None:
        return _Folders()
    return _Bucket(*where, client=_s3_client(settings.STUDIO_S3_ENDPOINT_URL or None))


def _checked(project: Project, location: str) -> tuple[str, tuple[str, ...]]:
    """The project's container and the parts of `location`, both checked to name a place inside
    that container (the same rules for folders and S3 keys)."""
    try:
        validate_container_name(project.storage_container)
    except DjangoValidationError as exc:
        raise SuspiciousFileOperation(exc.messages[0]) from exc
    problem = check_document_name(location)
    if problem:
        raise SuspiciousFileOperation(problem)
    return project.storage_container, tuple(location.split("/"))


def write_document(project: Project, location: str, text: str) -> None:
    _backend().write(*_checked(project, location), text.encode("utf-8"))


def read_document(project: Project, location: str) -> bytes | None:
    """The raw bytes at `location` in the project's container, or None when there is none."""
    return _backend().read(*_checked(project, location))
