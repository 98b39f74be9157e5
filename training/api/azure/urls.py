"""Every Azure route, under /language/: the runtime's analyze-text jobs, the seed document's
preview routes, and the GA authoring API (projects, training, models, evaluation, deployments).

Regular expressions, not path converters: Azure's routes put `:verb` after a name and accept a
trailing slash or none."""

from django.urls import include, path, re_path

from training.api.azure import authoring, deployments, preview, runtime

_runtime = [
    re_path(r"^analyze-text/jobs/?$", runtime.AnalyzeJobsApi.as_view(), name="azure-analyze"),
    re_path(
        r"^analyze-text/jobs/(?P<job_id>[^/:]+):cancel/?$",
        runtime.AnalyzeJobCancelApi.as_view(),
        name="azure-analyze-cancel",
    ),
    re_path(
        r"^analyze-text/jobs/(?P<job_id>[^/:]+)/?$",
        runtime.AnalyzeJobApi.as_view(),
        name="azure-analyze-job",
    ),
]

_PREVIEW = r"^text/authoring/v1\.0-preview\.2/projects/(?P<project_name>[^/]+)"
_preview = [
    re_path(rf"{_PREVIEW}/train/?$", preview.PreviewTrainApi.as_view(), name="azure-preview-train"),
    re_path(
        rf"{_PREVIEW}/train/jobs/(?P<job_id>[^/]+)/?$",
        preview.PreviewTrainJobApi.as_view(),
        name="azure-preview-train-job",
    ),
    re_path(
        rf"{_PREVIEW}/evaluation/?$",
        preview.PreviewEvaluationApi.as_view(),
        name="azure-preview-eval",
    ),
    re_path(
        rf"{_PREVIEW}/validation/?$",
        preview.PreviewValidationApi.as_view(),
        name="azure-preview-valid",
    ),
]

_D = r"^projects/(?P<project_name>[^/]+)/deployments"
_deployments = [
    re_path(rf"{_D}/?$", deployments.DeploymentListApi.as_view(), name="azure-deployment-list"),
    re_path(
        rf"{_D}/:swap/?$", deployments.DeploymentSwapApi.as_view(), name="azure-deployment-swap"
    ),
    re_path(
        rf"{_D}/(?P<deployment_name>[^/]+)/jobs/(?P<job_id>[^/]+)/?$",
        deployments.DeploymentJobApi.as_view(),
        name="azure-deployment-job",
    ),
    re_path(
        rf"{_D}/(?P<deployment_name>[^/:][^/]*)/?$",
        deployments.DeploymentApi.as_view(),
        name="azure-deployment",
    ),
]

_P = r"^projects/(?P<project_name>[^/:]+)"
_M = rf"{_P}/models/(?P<model_name>[^/:]+)"
_J = r"(?P<job_id>[^/:]+)"
_authoring = [
    re_path(r"^projects/?$", authoring.ProjectListApi.as_view(), name="azure-projects"),
    re_path(
        rf"^projects/global/deletion-jobs/{_J}/?$",
        authoring.DeletionJobApi.as_view(),
        name="azure-deletion-job",
    ),
    re_path(
        r"^projects/global/training-config-versions/?$",
        authoring.TrainingConfigVersionsApi.as_view(),
        name="azure-training-config-versions",
    ),
    re_path(rf"{_P}/?$", authoring.ProjectApi.as_view(), name="azure-project"),
    re_path(rf"{_P}/:import/?$", authoring.ImportApi.as_view(), name="azure-import"),
    re_path(
        rf"{_P}/import/jobs/{_J}/?$", authoring.ImportJobApi.as_view(), name="azure-import-job"
    ),
    re_path(rf"{_P}/:export/?$", authoring.ExportApi.as_view(), name="azure-export"),
    re_path(
        rf"{_P}/export/jobs/{_J}/?$", authoring.ExportJobApi.as_view(), name="azure-export-job"
    ),
    re_path(
        rf"{_P}/export/jobs/{_J}/result/?$",
        authoring.ExportResultApi.as_view(),
        name="azure-export-result",
    ),
    re_path(rf"{_P}/:train/?$", authoring.TrainApi.as_view(), name="azure-train"),
    re_path(rf"{_P}/train/jobs/?$", authoring.TrainJobListApi.as_view(), name="azure-train-jobs"),
    re_path(rf"{_P}/train/jobs/{_J}/?$", authoring.TrainJobApi.as_view(), name="azure-train-job"),
    re_path(
        rf"{_P}/train/jobs/{_J}/:cancel/?$",
        authoring.TrainJobCancelApi.as_view(),
        name="azure-train-cancel",
    ),
    re_path(rf"{_P}/models/?$", authoring.ModelListApi.as_view(), name="azure-models"),
    re_path(rf"{_M}/?$", authoring.ModelApi.as_view(), name="azure-model"),
    re_path(
        rf"{_M}/evaluation/summary-result/?$",
        authoring.EvaluationSummaryApi.as_view(),
        name="azure-evaluation-summary",
    ),
    re_path(
        rf"{_M}/evaluation/result/?$",
        authoring.EvaluationResultApi.as_view(),
        name="azure-evaluation-result",
    ),
]

urlpatterns = [
    path("", include(_runtime)),
    path("", include(_preview)),
    path("authoring/analyze-text/", include(_deployments)),
    path("authoring/analyze-text/", include(_authoring)),
]
