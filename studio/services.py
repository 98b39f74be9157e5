"""Writes that belong to the studio's wiring: API keys and the first admin account."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from studio.errors import ValidationError
from studio.models import ApiKey, hash_key

KEY_SLOTS = (1, 2)


@transaction.atomic
def regenerate_api_key(*, user: AbstractBaseUser, slot: int) -> str:
    """Replace the key in a slot and return the new key: the only time it is ever visible."""
    if slot not in KEY_SLOTS:
        raise ValidationError("An API key slot is 1 or 2.", target="slot")
    raw = secrets.token_hex(32)
    ApiKey.objects.update_or_create(
        user=user, slot=slot, defaults={"key_hash": hash_key(raw), "prefix": raw[:8]}
    )
    return raw


def revoke_api_key(*, user: AbstractBaseUser, slot: int) -> None:
    ApiKey.objects.filter(user=user, slot=slot).delete()


@transaction.atomic
def create_user(
    *, username: str, password: str | None = None, superuser: bool = False
) -> tuple[AbstractBaseUser, str | None]:
    """A new account for a person or a script; returns it and its password when one was
    generated (shown once, never stored in clear)."""
    users = get_user_model().objects
    if not username or users.filter(username__iexact=username).exists():
        raise ValidationError(f"A user named {username!r} exists already.", target="username")
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    create = users.create_superuser if superuser else users.create_user
    return create(username=username, email="", password=password), generated


def ensure_admin(*, username: str = "admin", password: str | None = None) -> str | None:
    """Create the first superuser when there is none; return its password if one was generated."""
    users = get_user_model().objects
    if users.filter(is_superuser=True).exists():
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    users.create_superuser(username=username, email="", password=password)
    return generated
