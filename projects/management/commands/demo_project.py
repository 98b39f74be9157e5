"""`manage.py demo_project`: create the demo project (once) so a newcomer can train at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects.demo import create_demo_project


class Command(BaseCommand):
    help = "Create the Demo-Support-Tickets project (tagged sample tickets); safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--owner",
            default=None,
            help="Username of the owner (default: the first superuser, e.g. admin).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        if options["owner"]:
            owner = users.filter(username=options["owner"]).first()
        else:
            owner = users.filter(is_superuser=True).order_by("pk").first()
        if owner is None:
            raise CommandError(
                "No such user to own the demo project; run `manage.py studio` once or pass --owner."
            )
        project, created = create_demo_project(owner=owner)
        verb = "Created" if created else "Kept the existing"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} demo project {project.name} (owner {owner.get_username()})."
            )
        )
