"""The Django project: settings, URLs, the ASGI and Celery apps, API-key auth and the launcher."""

from studio.celery import app as celery_app

__all__ = ["celery_app"]
