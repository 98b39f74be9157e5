"""The document-name rule, here without Django because the Azure format checks each location
before the container is read."""

from __future__ import annotations

import re
import unicodedata

MAX_DOCUMENT_NAME_LENGTH = 500
DRIVE_RE = re.compile(r"^[A-Za-z]:")


def check_document_name(name: str) -> str | None:
    """Why `name` cannot name a document, or None when it can.

    A document's name is its `location` in the container and its entry in a zip export, so it
    must stay a relative path on every system: `/`-separated parts, none empty, `.` or `..`.
    """
    if not name or len(name) > MAX_DOCUMENT_NAME_LENGTH:
        return f"A document name has 1 to {MAX_DOCUMENT_NAME_LENGTH} characters."
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "A document name cannot hold control characters (tab, new line, NUL...)."
    if "\\" in name:
        return "A document name cannot hold a backslash: use / between folders."
    if name.startswith("/") or DRIVE_RE.match(name):
        return f"The document name {name!r} is an absolute path: use a relative one."
    if any(part in ("", ".", "..") for part in name.split("/")):
        return f"The document name {name!r} has an empty, '.' or '..' folder."
    return None
