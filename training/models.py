"""Trained models, the training jobs that produce them and the deployments that serve them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.models import Project
from projects.names import validate_resource_name


class TrainingMode(models.TextChoices):
    QUICK = "quick", "Quick (frozen encoder, seconds)"
    STANDARD = "standard", "Standard (fine-tuned encoder, minutes)"


class SplitKind(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic 80/10/10"
    MANUAL = "manual", "Manual (documents' train/test)"


class JobStatus(models.TextChoices):
    # Values are Azure's wire words, so no mapping layer sits between the row and the API.
    NOT_STARTED = "notStarted", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLING = "cancelling", "Cancelling"
    CANCELLED = "cancelled", "Cancelled"
    # Analyze-text only: some tasks succeeded and some failed.
    PARTIALLY_COMPLETED = "partiallyCompleted", "Partially completed"


# Every job table's status column is this wide: room for the longest wire word and a few more.
JOB_STATUS_LENGTH = 20


ACTIVE_JOB_STATUSES = [JobStatus.NOT_STARTED, JobStatus.RUNNING, JobStatus.CANCELLING]


class TrainedModel(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="models")
    name = models.CharField(max_length=50, validators=[validate_resource_name])
    # 0 until the first successful training; each success writes version n+1 and moves this.
    version = models.PositiveIntegerField(default=0)
    artifact_path = models.CharField(max_length=500, blank=True)
    mode = models.CharField(max_length=8, choices=TrainingMode.choices, default=TrainingMode.QUICK)
    config = models.JSONField(default=dict)
    evaluation = models.JSONField(null=True, blank=True)
    evaluation_error = models.TextField(blank=True)
    split_counts = models.JSONField(default=dict)
    trained_at = models.DateTimeField(null=True, blank=True)
    training_duration_s = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="model_name_unique_in_project")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def micro_f1(self) -> float | None:
        return (self.evaluation or {}).get("micro_f1")


class TrainingJob(models.Model):
    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    model_name = models.CharField(max_length=50)
    status = models.CharField(
        max_length=JOB_STATUS_LENGTH, choices=JobStatus.choices, default=JobStatus.NOT_STARTED
    )
    evaluation_status = models.CharField(
        max_length=JOB_STATUS_LENGTH, choices=JobStatus.choices, default=JobStatus.NOT_STARTED
    )
    options = models.JSONField(default=dict)
    phase = models.CharField(max_length=20, default="queued")
    percent = models.FloatField(default=0)
    epoch = models.PositiveIntegerField(null=True, blank=True)
    epochs = models.PositiveIntegerField(null=True, blank=True)
    step = models.PositiveIntegerField(null=True, blank=True)
    loss = models.FloatField(null=True, blank=True)
    eta_s = models.FloatField(null=True, blank=True)
    history = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Messages sent for this job; more than one when the reaper found the message lost.
    sends = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One training at a time per project, true even when requests race.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=ACTIVE_JOB_STATUSES),
                name="one_active_job_per_project",
            ),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


class Deployment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deployments")
    name = models.CharField(max_length=50, validators=[validate_resource_name])
    model = models.ForeignKey(TrainedModel, on_delete=models.PROTECT, related_name="deployments")
    # Pinned: retraining the model does not change what a deployment answers.
    model_version = models.PositiveIntegerField()
    artifact_path = models.CharField(max_length=500)
    quantize = models.BooleanField(default=False)
    deployed_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="deployment_name_unique_in_project"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AnalyzeJob(models.Model):
    """A runtime `analyze-text` job: the request as sent and, once predicted, the result items."""

    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    display_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=JOB_STATUS_LENGTH, choices=JobStatus.choices, default=JobStatus.NOT_STARTED
    )
    # {"documents": [...], "tasks": [{kind, taskName, projectName, deploymentName}]}
    request = models.JSONField(default=dict)
    # The `tasks.items` list of Azure's job state, written once the job ends.
    results = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"analyze {self.job_id} ({self.status})"


class DeploymentJob(models.Model):
    """The job that Azure's authoring deploy, delete and swap routes answer with (done at once)."""

    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deployment_jobs")
    deployment_name = models.CharField(max_length=50)
    status = models.CharField(
        max_length=JOB_STATUS_LENGTH, choices=JobStatus.choices, default=JobStatus.SUCCEEDED
    )
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"deployment job {self.job_id} ({self.status})"


class AuthoringJob(models.Model):
    """The job behind Azure's project-level long-running routes (`:import`, `:export`, delete).

    Keyed by project name, not a foreign key: a deletion job outlives its project.
    """

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"
        DELETE = "delete", "Delete"

    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    project_name = models.CharField(max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=JOB_STATUS_LENGTH, choices=JobStatus.choices, default=JobStatus.SUCCEEDED
    )
    # Import: {"import_job": id} when a worker lands it; export: the exported project JSON.
    result = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.project_name} ({self.status})"
