"""Studio API for evaluation: a model's stored evaluation as the pages show it, and the Improve
page's review of validation predictions (never the test set's documents)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from training import evaluation as ev
from training import selectors

MAX_ITEMS = 1000


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.lower() not in ("false", "0", "no", "off")


class ModelEvaluationApi(APIView):
    @extend_schema(
        operation_id="studio_model_evaluation",
        summary="A trained model's evaluation on its test set (aggregate figures only)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, project_name: str, model_name: str) -> Response:
        model = selectors.get_evaluated_model(request.project, model_name)
        matrix = model.evaluation.get("confusion_matrix")
        return Response(
            {
                "model": model.name,
                "version": model.version,
                "multi_label": model.evaluation.get("multi_label", False),
                "documents": model.evaluation.get("documents"),
                "overall": ev.overall(model.evaluation),
                "classes": ev.class_rows(model.evaluation),
                "confusion_matrix": matrix,
                "worst_confusions": ev.worst_confusions(matrix) if matrix else [],
                "split_counts": model.split_counts,
            }
        )


class ModelReviewApi(APIView):
    @extend_schema(
        operation_id="studio_model_review",
        summary="The validation set's predictions to review, confident mistakes first",
        parameters=[
            OpenApiParameter("incorrect_only", bool, description="Only mistakes (default true)"),
            OpenApiParameter("true_class", str, description="Only documents tagged this class"),
            OpenApiParameter("predicted_class", str, description="Only documents predicted so"),
            OpenApiParameter("top", int, description=f"At most this many items ({MAX_ITEMS})"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, project_name: str, model_name: str) -> Response:
        model = selectors.get_model(request.project, model_name)
        params = request.query_params
        top = params.get("top", "200")
        limit = min(int(top), MAX_ITEMS) if top.isdigit() else 200
        data = ev.review(
            request.project,
            model,
            incorrect_only=_flag(params.get("incorrect_only"), True),
            expected_class=params.get("true_class"),
            predicted_class=params.get("predicted_class"),
            limit=limit,
        )
        return Response(data)
