"""The Celery app: configured from Django settings (the CELERY_ namespace), tasks autodiscovered."""

import os

from celery import Celery

from studio.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# /healthz knows a worker is up from the key this step renews.
app.steps["worker"].add(WorkerHeartbeat)
