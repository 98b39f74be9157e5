"""Train pages, under /projects/<name>/."""

from django.urls import path  # noqa: F401

app_name = "train"

urlpatterns: list = []
