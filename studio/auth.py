"""API-key authentication: the `Ocp-Apim-Subscription-Key` header that Azure clients send."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from studio.models import ApiKey, hash_key
from studio.throttle import count_bad_key, refuse_after_bad_keys
from studio.ttl_cache import TtlCache

HEADER = "Ocp-Apim-Subscription-Key"

# Each web process remembers a valid key's user this long, saving one query per API request.
# A key revoked or regenerated (or a user deactivated) in this process stops working at once;
# one changed by another process, or straight in the database, within KEY_CACHE_SECONDS.
KEY_CACHE_SECONDS = 5.0
KEY_CACHE_SIZE = 1024
key_cache: TtlCache[str, AbstractBaseUser] = TtlCache(KEY_CACHE_SECONDS, KEY_CACHE_SIZE)


def _load_user(key_hash: str) -> AbstractBaseUser | None:
    key = ApiKey.objects.select_related("user").filter(key_hash=key_hash).first()
    if key is None or not key.user.is_active:
        return None
    # One write per minute at most, so a busy client does not turn every request into an UPDATE.
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


def user_for_key(raw: str) -> AbstractBaseUser | None:
    """The active user owning the key `raw`, or None; cached (see KEY_CACHE_SECONDS)."""
    key_hash = hash_key(raw)
    return key_cache.get_or_load(key_hash, lambda: _load_user(key_hash))


# Regenerating, revoking, or saving or deleting a user clears it.
key_cache.clear_on_writes(ApiKey, get_user_model(), name="forget-keys")


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        raw = request.headers.get(HEADER)
        if raw is None:
            return None
        refuse_after_bad_keys(request)
        user = user_for_key(raw.strip())
        if user is None:
            count_bad_key(request)
            raise AuthenticationFailed(
                "Access denied due to an invalid subscription key. Make sure to provide a valid "
                "key for an active account in the Ocp-Apim-Subscription-Key header."
            )
        return user, None

    def authenticate_header(self, request: Request) -> str:
        # Any value makes DRF answer 401 rather than 403 to a request without credentials.
        return HEADER


class ApiKeySchema(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how Azure clients authenticate."""

    target_class = "studio.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": HEADER}
