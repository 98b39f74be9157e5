"""`manage.py studio`: start the whole studio (Redis when needed, workers, ASGI server) at once,
restart any part that dies (`processes.supervise`), and stop it all on Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from studio import processes
from studio.environment import embedded_redis_socket
from studio.services import ensure_admin

logger = logging.getLogger("studio.launcher")


class Command(BaseCommand):
    help = (
        "Run the studio: migrate, then start Redis (embedded), Celery workers and the ASGI server."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("STUDIO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("STUDIO_PORT", "8000")))
        parser.add_argument(
            "--no-worker", action="store_true", help="Start no Celery worker (they run elsewhere)."
        )
        parser.add_argument(
            "--demo", action="store_true", help="Create the demo project (once) before starting."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        children: list[processes.Child] = []
        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            if not os.environ.get("REDIS_URL"):
                children.append(self._start_embedded_redis())
            call_command("migrate", interactive=False, verbosity=0)
            self._ensure_admin()
            if options["demo"]:
                call_command("demo_project")
            if not options["no_worker"]:
                children += [
                    processes.celery_worker("training", "training", 1),
                    # Beat rides on the default worker: one scheduler, never on the busy one.
                    processes.celery_worker("default", "default", 2, beat=True),
                ]
            children.append(
                processes.asgi_server(
                    options["host"], options["port"], proxy_headers=settings.STUDIO_PROXY_HEADERS
                )
            )
            for child in children:
                if not child.alive:
                    child.start()
            url = f"http://{options['host']}:{options['port']}"
            announced = False
            # Only a signal ends this loop: a child that dies is restarted, the others keep on.
            while not stopping:
                processes.supervise(children, log=logger.warning)
                if not announced and processes.answers(url):
                    announced = True
                    self.stdout.write(
                        self.style.SUCCESS(f"Studio is running at {url}  (Ctrl-C stops it)")
                    )
                time.sleep(0.3)
        finally:
            self.stdout.write("Stopping the studio…")
            # Web and workers first, so nothing talks to Redis while it goes away; the grace
            # periods keep the whole stop within five seconds.
            processes.stop_all([child for child in children if child.name != "redis"], grace_s=3)
            processes.stop_all([child for child in children if child.name == "redis"], grace_s=1)
            self.stdout.write("Stopped.")

    def _start_embedded_redis(self) -> processes.Child:
        socket_path = embedded_redis_socket(settings.DATA_DIR)
        child = processes.embedded_redis(socket_path, settings.DATA_DIR)
        child.start()
        processes.wait_for_redis(settings.REDIS_URL)
        self.stdout.write(f"Embedded Redis on {socket_path}")
        return child

    def _ensure_admin(self) -> None:
        password = os.environ.get("STUDIO_ADMIN_PASSWORD")
        generated = ensure_admin(password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created the admin account. Sign in as admin with password: {generated}\n"
                    "(shown once; change it in /admin/ or set STUDIO_ADMIN_PASSWORD on first run)"
                )
            )
