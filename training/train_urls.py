"""Train page, under /projects/<name>/."""

from django.urls import path

from training import train_views

app_name = "train"

urlpatterns = [
    path("<str:name>/train/", train_views.train_page, name="train"),
]
