"""Sizes worded for people, the one wording of every cap: the formats' zip caps and the studio's
body-size errors (`studio.errors` imports this module, since it needs no Django)."""

from __future__ import annotations

MIB = 1024 * 1024


def size_text(size: int) -> str:
    """A cap for people: whole megabytes (MiB), or bytes below one."""
    return f"{size // MIB:,} MB" if size >= MIB else f"{size:,} bytes"
