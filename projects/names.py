"""Azure's naming rules for projects, models, deployments and classes, and their explanations."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

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
