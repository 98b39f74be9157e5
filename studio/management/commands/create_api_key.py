"""`manage.py create_api_key NAME`: an API key for scripts (Azure's `Ocp-Apim-Subscription-Key`)
without the browser. Only the key is printed, so `KEY=$(manage.py create_api_key bot)` works."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from studio.errors import ValidationError
from studio.services import KEY_SLOTS, regenerate_api_key


class Command(BaseCommand):
    help = (
        "Create (or replace) a user's API key in slot 1 or 2 and print it: the only time the key "
        "is shown, since only its hash is kept."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--slot", type=int, default=1, choices=KEY_SLOTS)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                f"No user {options['username']!r}: create one with manage.py create_user."
            )
        try:
            key = regenerate_api_key(user=user, slot=options["slot"])
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
