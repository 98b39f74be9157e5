"""Writes that belong to the studio's wiring: API keys, accounts and the first admin account."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from studio.errors import Conflict, PermissionDenied, ValidationError
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


@transaction.atomic
def create_invited_user(*, username: str, email: str) -> AbstractBaseUser:
    """A new account with no password yet: its owner sets one through `password_set_path`, so
    whoever created the account never knows it."""
    username, email = username.strip(), email.strip()
    try:
        UnicodeUsernameValidator()(username)
    except DjangoValidationError as exc:
        raise ValidationError(
            "A username is letters, digits and @ . + - _ only.", target="username"
        ) from exc
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationError("Enter a valid email address.", target="email") from exc
    users = get_user_model().objects
    if users.filter(username__iexact=username).exists():
        raise ValidationError(f"A user named {username!r} exists already.", target="username")
    if users.filter(email__iexact=email).exists():
        raise ValidationError("An account with that email exists already.", target="email")
    user = users.create_user(username=username, email=email, password=None)  # unusable
    return user


def password_set_path(user: AbstractBaseUser) -> str:
    """The path of a one-time link that lets `user` choose a password. Django's token: it stops
    working once the password changes or the user signs in, and after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password-set", kwargs={"uidb64": uid, "token": token})


def check_may_manage(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """Staff manage accounts; a staff or admin account only an admin (superuser) manages, so
    that staff cannot take over an admin's account with a set-password link."""
    if (user.is_staff or user.is_superuser) and not by.is_superuser:
        raise PermissionDenied("Only an admin manages staff and admin accounts.")


def set_user_active(*, user: AbstractBaseUser, active: bool, by: AbstractBaseUser) -> None:
    """Let an account sign in and use its keys again, or stop it (sessions and keys included:
    authentication refuses inactive users on every request)."""
    if not active and user.pk == by.pk:
        raise Conflict("You cannot deactivate your own account.")
    check_may_manage(user=user, by=by)
    user.is_active = active
    user.save(update_fields=["is_active"])


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
