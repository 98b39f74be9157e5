"""Input and output serializers of the studio's deployment and classify routes."""

from __future__ import annotations

from rest_framework import serializers

from training.prediction import STUDIO_MAX_DOCUMENTS


class DeployInput(serializers.Serializer):
    model = serializers.CharField(max_length=50)
    quantize = serializers.BooleanField(default=False)


class SwapInput(serializers.Serializer):
    first = serializers.CharField(max_length=50)
    second = serializers.CharField(max_length=50)


class DocumentInput(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=64)
    # Emptiness and length are per-document errors in the answer, not a 400 for the batch.
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ClassifyInput(serializers.Serializer):
    documents = DocumentInput(many=True, allow_empty=False, max_length=STUDIO_MAX_DOCUMENTS)


class DeploymentOutput(serializers.Serializer):
    name = serializers.CharField()
    model = serializers.CharField(source="model.name")
    model_version = serializers.IntegerField()
    model_current_version = serializers.IntegerField(source="model.version")
    model_trained_at = serializers.DateTimeField(source="model.trained_at")
    model_f1 = serializers.FloatField(source="model.micro_f1", allow_null=True)
    quantize = serializers.BooleanField()
    deployed_at = serializers.DateTimeField()
