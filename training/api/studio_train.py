"""Studio API for training, used by the Train page: start a job, list jobs, read and cancel one.

Errors come out in Azure's envelope (the services raise them); the Azure-compatible routes live
in training/api/azure/ and share the same services.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.schema import value_list
from training import services
from training.events import job_payload
from training.models import JobStatus, SplitKind, TrainedModel, TrainingJob, TrainingMode


class TrainInput(serializers.Serializer):
    model_name = serializers.CharField(max_length=100, trim_whitespace=False)
    mode = serializers.ChoiceField(choices=TrainingMode.values, default=TrainingMode.QUICK)
    split = serializers.ChoiceField(choices=SplitKind.values, default=SplitKind.AUTOMATIC)
    epochs = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    seed = serializers.IntegerField(default=42)
    base_model = serializers.CharField(required=False, allow_blank=True, max_length=500)
    # False makes retraining an existing model a 409 unless the user confirmed the overwrite.
    overwrite = serializers.BooleanField(default=False)


class JobOutput(serializers.Serializer):
    """The same shape as the websocket events (training.events.job_payload)."""

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


class ModelResultOutput(serializers.Serializer):
    version = serializers.IntegerField()
    f1 = serializers.FloatField(allow_null=True)
    trained_at = serializers.DateTimeField()


class JobResultOutput(JobOutput):
    model = ModelResultOutput(allow_null=True)


def model_result(job: TrainingJob) -> dict | None:
    """The model a succeeded job produced, while it is still that model's current version
    (a later retrain replaces it, and the old numbers are gone with it)."""
    if job.status != JobStatus.SUCCEEDED:
        return None
    model = TrainedModel.objects.filter(project_id=job.project_id, name=job.model_name).first()
    if model is None or model.trained_at != job.ended_at:
        return None
    return {"version": model.version, "f1": model.micro_f1, "trained_at": model.trained_at}


def job_json(job: TrainingJob) -> dict:
    """The event payload plus what only a full read needs (loss history, warnings)."""
    return {
        **job_payload(job),
        "history": job.history,
        "warnings": job.warnings,
    }


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
        jobs = services.list_jobs(request.project)
        return Response({"value": [job_json(job) for job in jobs]})


class JobDetailApi(APIView):
    @extend_schema(responses=JobResultOutput)
    def get(self, request: Request, project_name: str, job_id: str) -> Response:
        job = services.get_job(request.project, job_id)
        return Response({**job_json(job), "model": model_result(job)})


class JobCancelApi(APIView):
    @extend_schema(request=None, responses={202: JobOutput})
    def post(self, request: Request, project_name: str, job_id: str) -> Response:
        job = services.cancel_job(services.get_job(request.project, job_id))
        return Response(job_json(job), status=202)
