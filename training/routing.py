"""Websocket routes."""

from django.urls import path

from training.consumers import JobsConsumer

websocket_urlpatterns = [
    path("ws/projects/<str:project_name>/jobs/", JobsConsumer.as_asgi(), name="ws-jobs"),
]
