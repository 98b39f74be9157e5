"""Studio API for assisted tagging: the latest model's suggestions for a few documents, the
tag-next queue (and asking the worker to compute it again) and the likely-mislabelled list.

The reads never compute: the queue and the list are what the worker stored after the last
training or import (training.assist); suggestions predict with the cached model.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.models import QueueStrategy
from projects.selectors import tag_queue
from studio.errors import ValidationError
from training import selectors, services
from training.suggestions import MAX_DOCUMENTS, parse_document_ids, suggest

MAX_ITEMS = 1000


# `class` is a Python keyword, so this serializer is built from a dict of its fields.
ClassConfidenceOutput = type(
    "ClassConfidenceOutput",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "class": serializers.CharField(),
        "confidence": serializers.FloatField(),
    },
)


class SuggestionOutput(serializers.Serializer):
    document_id = serializers.IntegerField()
    classes = ClassConfidenceOutput(many=True)
    suggested = serializers.ListField(child=serializers.CharField())


class SuggestionsOutput(serializers.Serializer):
    model = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    multi_label = serializers.BooleanField()
    items = SuggestionOutput(many=True)


class QueueItemOutput(serializers.Serializer):
    document_id = serializers.IntegerField()
    score = serializers.FloatField()


class TagQueueOutput(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=QueueStrategy.values)
    model = serializers.CharField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    items = QueueItemOutput(many=True)


class RefreshOutput(serializers.Serializer):
    requested_at = serializers.DateTimeField()


class MislabelledItemOutput(serializers.Serializer):
    document_id = serializers.IntegerField()
    name = serializers.CharField()
    text = serializers.CharField()
    given = serializers.ListField(child=serializers.CharField())
    suggested = serializers.CharField()
    score = serializers.FloatField()


class MislabelledOutput(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    items = MislabelledItemOutput(many=True)
    note = serializers.CharField(required=False)


def _limit(request: Request, default: int) -> int:
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ITEMS:
        raise ValidationError(f"limit is a whole number from 1 to {MAX_ITEMS}.", target="limit")
    return int(raw)


def _limit_parameter(default: int) -> OpenApiParameter:
    return OpenApiParameter(
        "limit", int, description=f"At most this many items (default {default}, {MAX_ITEMS} most)"
    )


class SuggestionsApi(APIView):
    @extend_schema(
        summary="The latest model's suggested classes for documents (never stored as tags)",
        parameters=[
            OpenApiParameter(
                "document_ids",
                str,
                required=True,
                description=f"Comma-separated document ids, {MAX_DOCUMENTS} at most",
            )
        ],
        responses=SuggestionsOutput,
    )
    def get(self, request: Request, project_name: str) -> Response:
        ids = parse_document_ids(request.query_params.get("document_ids"))
        return Response(SuggestionsOutput(suggest(request.project, ids)).data)


class TagQueueApi(APIView):
    @extend_schema(
        summary="Untagged documents in the order tagging them helps the model most",
        parameters=[_limit_parameter(50)],
        responses=TagQueueOutput,
    )
    def get(self, request: Request, project_name: str) -> Response:
        queue = tag_queue(request.project, limit=_limit(request, 50))
        return Response(TagQueueOutput(queue).data)


class TagQueueRefreshApi(APIView):
    @extend_schema(
        summary="Compute the tag-next queue again on the worker",
        request=None,
        responses={202: RefreshOutput},
    )
    def post(self, request: Request, project_name: str) -> Response:
        asked = services.request_tag_queue_refresh(request.project)
        return Response(RefreshOutput({"requested_at": asked}).data, status=202)


class MislabelledApi(APIView):
    @extend_schema(
        summary="Tagged documents whose tag is most likely wrong, with the class suggested",
        parameters=[_limit_parameter(100)],
        responses=MislabelledOutput,
    )
    def get(self, request: Request, project_name: str) -> Response:
        answer = selectors.mislabelled(request.project, limit=_limit(request, 100))
        return Response(MislabelledOutput(answer).data)
