"""Routes of the studio's own training API, under /api/projects/<name>/: training jobs, model
evaluation and review, deployments and classify."""

from django.urls import path

from training.api.studio import assist, deployments, evaluation, train

P = "projects/<str:project_name>"
M = f"{P}/models/<str:model_name>"

urlpatterns = [
    path(f"{P}/deployments", deployments.DeploymentListApi.as_view(), name="api-deployment-list"),
    path(
        f"{P}/deployments/swap",
        deployments.DeploymentSwapApi.as_view(),
        name="api-deployment-swap",
    ),
    path(
        f"{P}/deployments/<str:deployment_name>",
        deployments.DeploymentDetailApi.as_view(),
        name="api-deployment",
    ),
    path(
        f"{P}/deployments/<str:deployment_name>/classify",
        deployments.ClassifyApi.as_view(),
        name="api-deployment-classify",
    ),
    path(f"{M}/evaluation", evaluation.ModelEvaluationApi.as_view(), name="api-model-evaluation"),
    path(f"{M}/review", evaluation.ModelReviewApi.as_view(), name="api-model-review"),
    path(f"{P}/train", train.TrainApi.as_view(), name="api-train"),
    path(f"{P}/suggestions", assist.SuggestionsApi.as_view(), name="api-suggestions"),
    path(f"{P}/tag-queue", assist.TagQueueApi.as_view(), name="api-tag-queue"),
    path(
        f"{P}/tag-queue/refresh",
        assist.TagQueueRefreshApi.as_view(),
        name="api-tag-queue-refresh",
    ),
    path(f"{P}/mislabelled", assist.MislabelledApi.as_view(), name="api-mislabelled"),
    path(f"{P}/jobs", train.JobListApi.as_view(), name="api-job-list"),
    path(f"{P}/jobs/<uuid:job_id>", train.JobDetailApi.as_view(), name="api-job"),
    path(f"{P}/jobs/<uuid:job_id>/cancel", train.JobCancelApi.as_view(), name="api-job-cancel"),
]
