"""Studio API for evaluation: a model's stored evaluation as the pages show it (with each
figure's 95% bootstrap interval), and the Improve page's review of validation predictions
(never the test set's documents)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from training import evaluation as ev
from training import selectors

MAX_ITEMS = 1000


def _interval() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="95% bootstrap confidence interval [low, high] over the test documents; null "
        "for a model evaluated before intervals were computed.",
    )


# The schema of the evaluation answer: every overall figure and its `<figure>_ci` interval.
EvaluationOverallOutput = type(
    "EvaluationOverallOutput",
    (serializers.Serializer,),
    {key: serializers.FloatField() for key in ev.OVERALL_KEYS}
    | {f"{key}_ci": _interval() for key in ev.OVERALL_KEYS},
)


class EvaluationClassOutput(serializers.Serializer):
    name = serializers.CharField()
    precision = serializers.FloatField()
    recall = serializers.FloatField()
    f1 = serializers.FloatField()
    tp = serializers.IntegerField()
    fp = serializers.IntegerField()
    fn = serializers.IntegerField()
    tn = serializers.IntegerField()
    support = serializers.IntegerField()
    precision_ci = _interval()
    recall_ci = _interval()
    f1_ci = _interval()
    few_test_documents = serializers.BooleanField(
        help_text=f"Fewer than {ev.FEW_CLASS_TEST_DOCUMENTS} test documents are tagged with the "
        "class: too few to trust its row."
    )


class IntervalMethodOutput(serializers.Serializer):
    method = serializers.CharField(help_text="Always `bootstrap` (percentile).")
    confidence = serializers.FloatField()
    resamples = serializers.IntegerField()
    seed = serializers.IntegerField()


class ConfusionOutput(serializers.Serializer):
    expected = serializers.CharField()
    predicted = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField()


class EvaluationOutput(serializers.Serializer):
    model = serializers.CharField()
    version = serializers.IntegerField()
    multi_label = serializers.BooleanField()
    documents = serializers.IntegerField(help_text="Test documents the model was scored on.")
    small_test_set = serializers.CharField(
        help_text=f"A warning when there are fewer than {ev.FEW_TEST_DOCUMENTS} test documents, "
        "else empty."
    )
    intervals = IntervalMethodOutput(allow_null=True)
    overall = EvaluationOverallOutput()
    classes = EvaluationClassOutput(many=True)
    confusion_matrix = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()), allow_null=True
    )
    worst_confusions = ConfusionOutput(many=True)
    split_counts = serializers.DictField(child=serializers.IntegerField(), allow_null=True)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.lower() not in ("false", "0", "no", "off")


class ModelEvaluationApi(APIView):
    @extend_schema(
        operation_id="studio_model_evaluation",
        summary="A trained model's evaluation on its test set (aggregate figures only)",
        responses=EvaluationOutput,
    )
    def get(self, request: Request, project_name: str, model_name: str) -> Response:
        model = selectors.get_evaluated_model(request.project, model_name)
        evaluation = model.evaluation
        matrix = evaluation.get("confusion_matrix")
        intervals = evaluation.get("intervals")
        return Response(
            {
                "model": model.name,
                "version": model.version,
                "multi_label": evaluation.get("multi_label", False),
                "documents": evaluation.get("documents"),
                "small_test_set": ev.small_test_set(evaluation),
                "intervals": (
                    {key: intervals[key] for key in ("method", "confidence", "resamples", "seed")}
                    if intervals
                    else None
                ),
                "overall": ev.overall(evaluation) | ev.overall_intervals(evaluation),
                "classes": ev.class_rows(evaluation),
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
