"""The seed document's preview routes (`v1.0-preview.2`), exactly as it shows them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.errors import ValidationError
from training import selectors, services
from training.api.azure.shapes import evaluation_result, preview_job
from training.api.azure.targets import AzureTargetsView

PREFIX = "/language/text/authoring/v1.0-preview.2/projects"


def _model_name(body: Any) -> str:
    tasks = body.get("tasks") if isinstance(body, dict) else None
    if not isinstance(tasks, list) or len(tasks) != 1 or not isinstance(tasks[0], dict):
        raise ValidationError(
            'The body must be {"tasks": [{"trainingModelName": "..."}]} with one task: '
            "a project trains one model at a time.",
            target="tasks",
        )
    name = tasks[0].get("trainingModelName")
    if not isinstance(name, str) or not name:
        raise ValidationError("trainingModelName is required.", target="tasks[0].trainingModelName")
    return name


@extend_schema(request=OpenApiTypes.OBJECT, responses={202: None})
class PreviewTrainApi(AzureTargetsView):
    def post(self, request: Request, project_name: str) -> Response:
        job = services.start_training(
            project=request.project, model_name=_model_name(request.data), user=request.user
        )
        url = request.build_absolute_uri(f"{PREFIX}/{project_name}/train/jobs/{job.job_id}")
        return Response(status=202, headers={"location": url})


@extend_schema(responses=OpenApiTypes.OBJECT)
class PreviewTrainJobApi(APIView):
    def get(self, request: Request, project_name: str, job_id: str) -> Response:
        return Response(preview_job(selectors.get_job(request.project, job_id)))


def _model_of(request: Request) -> Any:
    name = request.query_params.get("trainingModelName")
    if not name:
        raise ValidationError("trainingModelName is required.", target="trainingModelName")
    return selectors.get_model(request.project, name)


@extend_schema(responses=OpenApiTypes.OBJECT)
class PreviewEvaluationApi(APIView):
    """`GET .../evaluation?trainingModelName=`: per-class and micro/macro figures."""

    def get(self, request: Request, project_name: str) -> Response:
        model = _model_of(request)
        evaluation = model.evaluation or {}
        classes = {
            name: {
                "f1": m["f1"],
                "precision": m["precision"],
                "recall": m["recall"],
                "countTruePositives": m["tp"],
                "countTrueNegatives": m["tn"],
                "countFalsePositives": m["fp"],
                "countFalseNegatives": m["fn"],
            }
            for name, m in (evaluation.get("per_class") or {}).items()
        }
        figures = {
            "classes": classes,
            "microF1": evaluation.get("micro_f1", 0.0),
            "microPrecision": evaluation.get("micro_precision", 0.0),
            "microRecall": evaluation.get("micro_recall", 0.0),
            "macroF1": evaluation.get("macro_f1", 0.0),
            "macroPrecision": evaluation.get("macro_precision", 0.0),
            "macroRecall": evaluation.get("macro_recall", 0.0),
        }
        multi = request.project.is_multi_label
        key = "multiClassificationEvaluation" if multi else "singleClassificationEvaluation"
        return Response(
            {
                "modelType": "MultiClassification" if multi else "SingleClassification",
                key: figures,
                "evaluationError": model.evaluation_error or None,
            }
        )


@extend_schema(responses=OpenApiTypes.OBJECT)
class PreviewValidationApi(APIView):
    """`GET .../validation?trainingModelName=`: validation documents, tagged vs predicted."""

    def get(self, request: Request, project_name: str) -> Response:
        model = _model_of(request)
        items = selectors.evaluation_results(model, "validation")
        documents = []
        for item in items:
            shaped = evaluation_result(request.project, item)
            documents.append(
                {
                    "location": shaped["location"],
                    "language": shaped["language"],
                    "labeledClasses": list(item.get("expected") or []),
                    "predictedClasses": list(item.get("predicted") or []),
                }
            )
        return Response({"documents": documents, "nextLink": None})
