"""Studio API routes for training, under /api/projects/<name>/."""

from django.urls import path

from training.api import studio_train

P = "projects/<str:project_name>"

urlpatterns = [
    path(f"{P}/train", studio_train.TrainApi.as_view(), name="api-train"),
    path(f"{P}/jobs", studio_train.JobListApi.as_view(), name="api-job-list"),
    path(f"{P}/jobs/<str:job_id>", studio_train.JobDetailApi.as_view(), name="api-job"),
    path(
        f"{P}/jobs/<str:job_id>/cancel", studio_train.JobCancelApi.as_view(), name="api-job-cancel"
    ),
]
