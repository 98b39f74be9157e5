"""API keys: two slots per user, like Azure's Key1 and Key2, stored only as hashes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q


def hash_key(raw: str) -> str:
    # Keys are 256 random bits, so a fast unsalted hash cannot be brute-forced and allows lookup.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    slot = models.PositiveSmallIntegerField()
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["user", "slot"], name="apikey_one_per_slot"),
            models.CheckConstraint(condition=Q(slot__in=[1, 2]), name="apikey_slot_1_or_2"),
        ]

    def __str__(self) -> str:
        return f"Key{self.slot} of {self.user} ({self.prefix}…)"
