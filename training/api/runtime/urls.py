"""Routes of the prediction APIs: studio ones under /api/, Azure's under /language/."""

from django.urls import path, re_path

from training.api.runtime import azure, studio

studio_urlpatterns = [
    path(
        "projects/<str:project_name>/deployments",
        studio.DeploymentListApi.as_view(),
        name="api-deployment-list",
    ),
    path(
        "projects/<str:project_name>/deployments/swap",
        studio.DeploymentSwapApi.as_view(),
        name="api-deployment-swap",
    ),
    path(
        "projects/<str:project_name>/deployments/<str:deployment_name>",
        studio.DeploymentDetailApi.as_view(),
        name="api-deployment",
    ),
    path(
        "projects/<str:project_name>/deployments/<str:deployment_name>/classify",
        studio.ClassifyApi.as_view(),
        name="api-deployment-classify",
    ),
]

azure_urlpatterns = [
    re_path(r"^analyze-text/jobs/?$", azure.AnalyzeJobsApi.as_view(), name="azure-analyze"),
    re_path(
        r"^analyze-text/jobs/(?P<job_id>[^/:]+):cancel/?$",
        azure.AnalyzeJobCancelApi.as_view(),
        name="azure-analyze-cancel",
    ),
    re_path(
        r"^analyze-text/jobs/(?P<job_id>[^/:]+)/?$",
        azure.AnalyzeJobApi.as_view(),
        name="azure-analyze-job",
    ),
]
