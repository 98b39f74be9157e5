"""Routes of the studio evaluation API, under /api/projects/<name>/models/<model>/."""

from django.urls import path

from training.api import studio_evaluation as views

M = "projects/<str:project_name>/models/<str:model_name>"

urlpatterns = [
    path(f"{M}/evaluation", views.ModelEvaluationApi.as_view(), name="api-model-evaluation"),
    path(f"{M}/review", views.ModelReviewApi.as_view(), name="api-model-review"),
]
