"""Studio API for deployments (list, deploy, delete, swap) and synchronous classification."""

from __future__ import annotations

import time

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.schema import value_list
from training import deployments as services
from training.api.studio.serializers import (
    ClassifyInput,
    DeployInput,
    DeploymentOutput,
    SwapInput,
)
from training.models import Deployment
from training.prediction import classify


class DeploymentListApi(APIView):
    @extend_schema(
        responses=value_list(DeploymentOutput), operation_id="api_projects_deployments_list"
    )
    def get(self, request: Request, project_name: str) -> Response:
        rows = Deployment.objects.filter(project=request.project).select_related("model")
        return Response({"value": DeploymentOutput(rows, many=True).data})


class DeploymentDetailApi(APIView):
    @extend_schema(responses=DeploymentOutput)
    def get(self, request: Request, project_name: str, deployment_name: str) -> Response:
        deployment = services.get_deployment(request.project, deployment_name)
        return Response(DeploymentOutput(deployment).data)

    @extend_schema(request=DeployInput, responses=DeploymentOutput)
    def put(self, request: Request, project_name: str, deployment_name: str) -> Response:
        data = DeployInput(data=request.data)
        data.is_valid(raise_exception=True)
        deployment = services.deploy_model(
            project=request.project,
            name=deployment_name,
            model_name=data.validated_data["model"],
            quantize=data.validated_data["quantize"],
        )
        return Response(DeploymentOutput(deployment).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_name: str, deployment_name: str) -> Response:
        services.delete_deployment(project=request.project, name=deployment_name)
        return Response(status=204)


class DeploymentSwapApi(APIView):
    @extend_schema(request=SwapInput, responses=value_list(DeploymentOutput))
    def post(self, request: Request, project_name: str) -> Response:
        data = SwapInput(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.swap_deployments(project=request.project, **data.validated_data)
        return Response({"value": DeploymentOutput(pair, many=True).data})


class ClassifyApi(APIView):
    @extend_schema(request=ClassifyInput, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, project_name: str, deployment_name: str) -> Response:
        start = time.perf_counter()
        data = ClassifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        deployment = services.get_deployment_to_serve(request.project, deployment_name)
        documents = [
            (d.get("id") or str(i + 1), d["text"])
            for i, d in enumerate(data.validated_data["documents"])
        ]
        results = classify(deployment, documents)
        body = {
            "deployment": deployment.name,
            "model": deployment.model.name,
            "model_version": deployment.model_version,
            "documents": [result_json(r) for r in results],
            "elapsed_ms": round((time.perf_counter() - start) * 1000, 2),
        }
        return Response(body)


def result_json(result) -> dict:
    if result.error is not None:
        return {"id": result.id, "error": result.error}
    return {
        "id": result.id,
        "classes": [{"category": c, "confidence": p} for c, p in result.classes],
        "alternatives": [{"category": c, "confidence": p} for c, p in result.alternatives],
    }
