"""Deploy and Test model pages, under /projects/<name>/."""

from django.urls import path

from training import deploy_views

app_name = "deploy"

urlpatterns = [
    path("<str:name>/deploy/", deploy_views.deploy_page, name="deploy"),
    path("<str:name>/test/", deploy_views.test_model_page, name="test"),
]
