"""Azure's naming rules for projects, models, deployments, classes, storage containers and
document names (which become paths), and their explanations."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError

# The document-name rule lives with the import formats, which check locations without Django.
from projects.formats.locations import DRIVE_RE, MAX_DOCUMENT_NAME_LENGTH, check_document_name

MAX_NAME_LENGTH = 50

# GA rule for projects, models and deployments: letters, digits, `_ . -`, no spaces, 50 at most.
RESOURCE_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,50}$")
RESOURCE_NAME_HELP = (
    "1 to 50 letters, digits, underscores (_), dots (.) or hyphens (-); no spaces. "
    "Names cannot be changed later."
)
# GA rule for classes: any character except these, 50 at most.
CLASS_NAME_FORBIDDEN = set(":$&%*()+~#/?")
CLASS_NAME_HELP = (
    "1 to 50 characters; letters, digits, spaces and symbols except : $ & % * ( ) + ~ # / ?"
)


def validate_resource_name(value: str) -> None:
    if not isinstance(value, str) or not RESOURCE_NAME_RE.fullmatch(value):
        raise ValidationError(f"{value!r} is not a valid name: use {RESOURCE_NAME_HELP}", "name")
    # `.` and `..` would walk folders wherever the name becomes a path or a URL segment.
    if not value.strip("."):
        raise ValidationError(f"{value!r} is not a valid name: it needs a letter or digit.", "name")


def validate_class_name(value: str) -> None:
    bad = sorted(CLASS_NAME_FORBIDDEN.intersection(value or ""))
    if not value or not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise ValidationError(f"{value!r} is not a valid class name: use {CLASS_NAME_HELP}", "name")
    if value != value.strip():
        raise ValidationError("A class name cannot start or end with a space.", "name")
    if bad:
        raise ValidationError(
            f"{value!r} is not a valid class name: it contains {' '.join(bad)}. "
            f"Use {CLASS_NAME_HELP}",
            "name",
        )


def repaired_class_name(value: str) -> str | None:
    """`value` made into a class name Azure accepts: each forbidden character becomes `_`,
    outer spaces go and the name is cut to 50. None when `value` is already valid, or when
    nothing usable is left."""
    try:
        validate_class_name(value)
    except ValidationError:
        pass
    else:
        return None
    repaired = "".join("_" if char in CLASS_NAME_FORBIDDEN else char for char in value or "")
    repaired = repaired.strip()[:MAX_NAME_LENGTH].strip()
    try:
        validate_class_name(repaired)
    except ValidationError:
        return None
    return repaired


# Azure's blob container rule; a container is a folder or key prefix, so this also keeps it one.
CONTAINER_NAME_RE = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")
CONTAINER_NAME_HELP = (
    "3 to 63 lowercase letters, digits and hyphens (-), starting and ending with a letter or "
    "digit, with no two hyphens in a row"
)


def validate_container_name(value: str) -> None:
    if not isinstance(value, str) or not CONTAINER_NAME_RE.fullmatch(value):
        raise ValidationError(
            f"{value!r} is not a valid storage container name: use {CONTAINER_NAME_HELP}.",
            "storage_container",
        )


def container_from_name(name: str, taken: Callable[[str], bool]) -> str:
    """A valid container derived from a project name, numbered until `taken` says it is free."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower())[:63].strip("-") or "project"
    base = base.ljust(3, "0")
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: 63 - len(suffix)].rstrip("-") + suffix
    return candidate


def safe_document_name(name: str) -> str:
    """`name` made to pass `check_document_name` (for names stored before the rule existed);
    the caller keeps the results unique."""
    if check_document_name(name) is None:
        return name
    kept = "".join(char for char in name if unicodedata.category(char) != "Cc")
    parts = [part for part in re.split(r"[/\\]", kept) if part not in ("", ".", "..")]
    if parts:
        parts[0] = DRIVE_RE.sub("", parts[0])
    joined = "/".join(part for part in parts if part not in ("", ".", ".."))
    safe = joined[-MAX_DOCUMENT_NAME_LENGTH:].lstrip("/.")
    return safe if check_document_name(safe) is None else "document.txt"
