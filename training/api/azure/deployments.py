"""Azure's GA authoring deployment routes: list, deploy (PUT), get, delete, swap and their jobs.

Deploying is quick here, so each operation is done during the request and its job is already
`succeeded` when the client first polls the `operation-location`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from studio.errors import NotFound, ValidationError
from studio.jobs import is_job_id
from studio.schema import api_version as schema_api_version
from training import deployments as services
from training.api.azure.shapes import TRAINING_CONFIG_VERSION, azure_job_json, iso
from training.api.azure.targets import AzureTargetsView
from training.api.azure.versions import API_VERSIONS, api_version
from training.models import Deployment, DeploymentJob

PREFIX = "/language/authoring/analyze-text/projects"


def deployment_json(deployment: Deployment) -> dict[str, Any]:
    model = deployment.model
    trained = model.trained_at or deployment.deployed_at
    return {
        "deploymentName": deployment.name,
        "modelId": f"{model.name}-v{deployment.model_version}",
        "lastTrainedDateTime": iso(trained),
        "lastDeployedDateTime": iso(deployment.deployed_at),
        "deploymentExpirationDate": (deployment.deployed_at + timedelta(days=730))
        .date()
        .isoformat(),
        "modelTrainingConfigVersion": TRAINING_CONFIG_VERSION,
    }


@extend_schema(parameters=[schema_api_version(API_VERSIONS)])
class DeploymentView(AzureTargetsView):
    """Checks `api-version` after authentication, as the other authoring routes do."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        api_version(request)


def accepted(request: Request, project_name: str, deployment_name: str) -> Response:
    job = DeploymentJob.objects.create(
        project=request.project,
        deployment_name=deployment_name,
    )
    version = api_version(request)
    url = request.build_absolute_uri(
        f"{PREFIX}/{project_name}/deployments/{deployment_name}/jobs/{job.job_id}"
    )
    return Response(status=202, headers={"Operation-Location": f"{url}?api-version={version}"})


class DeploymentListApi(DeploymentView):
    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="azure_deployments_list")
    def get(self, request: Request, project_name: str) -> Response:
        rows = Deployment.objects.filter(project=request.project).select_related("model")
        return Response({"value": [deployment_json(d) for d in rows], "nextLink": None})


@extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 202: None})
class DeploymentApi(DeploymentView):
    def get(self, request: Request, project_name: str, deployment_name: str) -> Response:
        return Response(deployment_json(services.get_deployment(request.project, deployment_name)))

    def put(self, request: Request, project_name: str, deployment_name: str) -> Response:
        label = request.data.get("trainedModelLabel") if isinstance(request.data, dict) else None
        if not isinstance(label, str) or not label:
            raise ValidationError("trainedModelLabel is required.", target="trainedModelLabel")
        services.deploy_model(project=request.project, name=deployment_name, model_name=label)
        return accepted(request, project_name, deployment_name)

    def delete(self, request: Request, project_name: str, deployment_name: str) -> Response:
        services.delete_deployment(project=request.project, name=deployment_name)
        return accepted(request, project_name, deployment_name)


@extend_schema(request=OpenApiTypes.OBJECT, responses={202: None})
class DeploymentSwapApi(DeploymentView):
    def post(self, request: Request, project_name: str) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        names = [body.get("firstDeploymentName"), body.get("secondDeploymentName")]
        if not all(isinstance(n, str) and n for n in names):
            raise ValidationError("firstDeploymentName and secondDeploymentName are required.")
        services.swap_deployments(project=request.project, first=names[0], second=names[1])
        return accepted(request, project_name, "swap")


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class DeploymentJobApi(DeploymentView):
    def get(
        self, request: Request, project_name: str, deployment_name: str, job_id: str
    ) -> Response:
        job = (
            DeploymentJob.objects.filter(
                project=request.project, deployment_name=deployment_name, job_id=job_id
            ).first()
            if is_job_id(job_id)
            else None
        )
        if job is None:
            raise NotFound(f"The job {job_id!r} does not exist.")
        return Response(azure_job_json(job))
