"""Studio API for training, used by the Train page: start a job, list jobs, read and cancel one.

Errors come out in Azure's envelope (the services and selectors raise them); the
Azure-compatible routes live in training/api/azure/ and share the same services and selectors.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.schema import value_list
from training import selectors, services
from training.job_json import job_json, jobs_json
from training.models import SplitKind, TrainingMode


class TrainInput(serializers.Serializer):
    model_name = serializers.CharField(max_length=100, trim_whitespace=False)
    mode = serializers.ChoiceField(choices=TrainingMode.values, default=TrainingMode.QUICK)
    split = serializers.ChoiceField(choices=SplitKind.values, default=SplitKind.AUTOMATIC)
    epochs = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    seed = serializers.IntegerField(default=42)
    base_model = serializers.CharField(required=False, allow_blank=True, max_length=500)
    # False makes retraining an existing model a 409 unless the user confirmed the overwrite.
    overwrite = serializers.BooleanField(default=False)


class ModelResultOutput(serializers.Serializer):
    version = serializers.IntegerField()
    f1 = serializers.FloatField(allow_null=True)
    trained_at = serializers.DateTimeField()


class JobOutput(serializers.Serializer):
    """The job's JSON (training.job_json), the same dict the websocket events carry."""

    job_id = serializers.UUIDField()
    model_name = serializers.CharField()
    status = serializers.CharField()
    evaluation_status = serializers.CharField()
    phase = serializers.CharField()
    percent = serializers.FloatField()
    epoch = serializers.IntegerField(allow_null=True)
    epochs = serializers.IntegerField(allow_null=True)
    step = serializers.IntegerField(allow_null=True)
    loss = serializers.FloatField(allow_null=True)
    eta_s = serializers.FloatField(allow_null=True)
    errors = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    mode = serializers.CharField()
    history = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.DictField())
    # The version a succeeded job produced, while it is still the model's current one.
    model = ModelResultOutput(allow_null=True)
    # Not started yet: 1-based place among every project's waiting jobs, and whether a job
    # holds the training worker now; null once the job has started.
    queue_position = serializers.IntegerField(allow_null=True)
    queue_running = serializers.BooleanField(allow_null=True)


class TrainApi(APIView):
    @extend_schema(request=TrainInput, responses={202: JobOutput})
    def post(self, request: Request, project_name: str) -> Response:
        data = TrainInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = services.start_training(
            project=request.project,
            model_name=values["model_name"],
            user=request.user,
            mode=values["mode"],
            split=values["split"],
            epochs=values.get("epochs"),
            seed=values["seed"],
            base_model=values.get("base_model") or None,
            overwrite_ok=values["overwrite"],
        )
        return Response(job_json(job), status=202)


class JobListApi(APIView):
    @extend_schema(responses=value_list(JobOutput), operation_id="api_projects_jobs_list")
    def get(self, request: Request, project_name: str) -> Response:
        jobs = selectors.list_jobs(request.project)
        return Response({"value": jobs_json(jobs)})


class JobDetailApi(APIView):
    @extend_schema(responses=JobOutput)
    def get(self, request: Request, project_name: str, job_id: UUID) -> Response:
        return Response(job_json(selectors.get_job(request.project, str(job_id))))


class JobCancelApi(APIView):
    @extend_schema(request=None, responses={202: JobOutput})
    def post(self, request: Request, project_name: str, job_id: UUID) -> Response:
        job = services.cancel_job(selectors.get_job(request.project, str(job_id)))
        return Response(job_json(job), status=202)
