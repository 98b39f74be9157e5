"""API-key authentication: the `Ocp-Apim-Subscription-Key` header that Azure clients send."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from studio.models import ApiKey, hash_key

HEADER = "Ocp-Apim-Subscription-Key"


def user_for_key(raw: str) -> AbstractBaseUser | None:
    key = ApiKey.objects.select_related("user").filter(key_hash=hash_key(raw)).first()
    if key is None or not key.user.is_active:
        return None
    # One write per minute at most, so a busy client does not turn every request into an UPDATE.
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        raw = request.headers.get(HEADER)
        if raw is None:
            return None
        user = user_for_key(raw.strip())
        if user is None:
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
