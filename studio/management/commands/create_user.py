"""`manage.py create_user NAME`: an account without the browser, for a person or a script."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from studio.errors import ValidationError
from studio.services import create_user


class Command(BaseCommand):
    help = "Create a user; prints the generated password once unless --password is given."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="The password (default: one is generated).")
        parser.add_argument("--superuser", action="store_true", help="Make the user an admin.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, generated = create_user(
                username=options["username"],
                password=options["password"],
                superuser=options["superuser"],
            )
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created user {user.get_username()}.")
        if generated:
            self.stdout.write(f"Password (shown once): {generated}")
