"""Trained models, the training jobs that produce them and the deployments that serve them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.models import Project
from projects.names import validate_resource_name
from studio.jobs import ACTIVE_STATUSES, AzureJob, JobStatus, status_field


class TrainingMode(models.TextChoices):
    QUICK = "quick", "Quick (frozen encoder, seconds)"
    STANDARD = "standard", "Standard (fine-tuned encoder, minutes)"


class SplitKind(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic 80/10/10"
    MANUAL = "manual", "Manual (documents' train/test)"


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


class TrainingJob(AzureJob):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    model_name = models.CharField(max_length=50)
    evaluation_status = status_field()
    options = models.JSONField(default=dict)
    phase = models.CharField(max_length=20, default="queued")
    percent = models.FloatField(default=0)
    epoch = models.PositiveIntegerField(null=True, blank=True)
    epochs = models.PositiveIntegerField(null=True, blank=True)
    step = models.PositiveIntegerField(null=True, blank=True)
    loss = models.FloatField(null=True, blank=True)
    eta_s = models.FloatField(null=True, blank=True)
    history = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One training at a time per project, true even when requests race.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=ACTIVE_STATUSES),
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
        return self.status in ACTIVE_STATUSES

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end, or to now while the job runs (the Train page's history)."""
        if self.started_at is None:
            return None
        return ((self.ended_at or timezone.now()) - self.started_at).total_seconds()


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


class AnalyzeJob(AzureJob):
    """A runtime `analyze-text` job: the request as sent and, once predicted, the result items.
    Azure keeps these a day, not a week, so their lifetime is a setting of its own."""

    lifetime_setting = "STUDIO_ANALYZE_JOB_LIFETIME_HOURS"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    display_name = models.CharField(max_length=200, blank=True)
    # {"documents": [...], "tasks": [{kind, task_name, project_name, deployment_name}]}
    request = models.JSONField(default=dict)
    # The `tasks.items` list of Azure's job state, written once the job ends.
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"analyze {self.job_id} ({self.status})"


class DeploymentJob(AzureJob):
    """The job that Azure's authoring deploy, delete and swap routes answer with: the work is
    done during the request, so the job is born `succeeded` and no worker or reaper sees it."""

    status = status_field(JobStatus.SUCCEEDED)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deployment_jobs")
    deployment_name = models.CharField(max_length=50)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"deployment job {self.job_id} ({self.status})"


class AuthoringJob(AzureJob):
    """The job behind Azure's project-level long-running routes (`:import`, `:export`, delete).

    Keyed by project name, not a foreign key: a deletion job outlives its project. Export and
    delete are done during the request (born `succeeded`); a large import stays `running`
    here while its worker-run ImportJob, which the reaper watches, says how it goes.
    """

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"
        DELETE = "delete", "Delete"

    status = status_field(JobStatus.SUCCEEDED)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    project_name = models.CharField(max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Import: {"import_job": id} when a worker lands it; export: the exported project JSON.
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.project_name} ({self.status})"
