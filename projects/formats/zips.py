"""Zip uploads: entries inflated as streams, under caps on each entry and on all the zips of an
import together, since a small hostile zip can inflate to gigabytes."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from projects.formats.rows import Parsed, Source
from projects.formats.sizes import size_text

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """How much the zips of one import may inflate: in all, in entries, and each entry."""

    total_bytes: int
    entries: int
    entry_bytes: int


class ZipTooLarge(Exception):
    """The zips of an import inflate past a cap: the whole upload is refused, not a row."""

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.message = message
        self.target = target


class ZipRoom:
    """What the zips of one import may still inflate: bytes and entries, counted down."""

    def __init__(self, limits: ZipLimits) -> None:
        self.limits = limits
        self.size = limits.total_bytes
        self.entries = limits.entries

    def take(self, size: int, *, file: str) -> None:
        """Charge one entry of `size` inflated bytes, raising ZipTooLarge past either cap."""
        self.size -= size
        self.entries -= 1
        if self.entries < 0:
            raise ZipTooLarge(
                f"The zip files of this import hold more than {self.limits.entries:,} entries.",
                target=file,
            )
        if self.size < 0:
            raise ZipTooLarge(
                "The zip files of this import inflate to more than "
                f"{size_text(self.limits.total_bytes)}.",
                target=file,
            )


def read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int
) -> tuple[bytes | None, int]:
    """The entry's bytes (None once it inflates past `limit`) and how many were inflated: read
    in chunks, since the declared size of a hostile zip may lie. The count charges a refused
    entry's inflating to the import too, so that many bombs cannot each cost `limit`."""
    if info.file_size > limit:
        return None, 0
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                return None, size
            chunks.append(chunk)
    return b"".join(chunks), size


def zip_entries(source: Source, parsed: Parsed, room: ZipRoom) -> dict[str, bytes] | None:
    """The zip's files by name (folders and macOS resource forks skipped), each entry too large
    refused in `parsed`; None, with the reason in `parsed`, for a zip that cannot be read."""
    limit = room.limits.entry_bytes
    entries: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.filename.startswith("__MACOSX/"):
                    continue
                data, inflated = read_entry(archive, info, limit)
                room.take(inflated, file=source.name)
                if data is None:
                    parsed.reject(
                        f"The entry inflates to more than {size_text(limit)}.",
                        file=f"{source.name}/{info.filename}",
                    )
                    continue
                entries[info.filename] = data
    # RuntimeError: an encrypted entry; NotImplementedError: a compression zipfile lacks.
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
        parsed.reject(f"The zip file cannot be read: {exc}.", file=source.name)
        return None
    return entries
