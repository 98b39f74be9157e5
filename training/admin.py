"""Admin views of models, jobs and deployments, for operators."""

from django.contrib import admin

from training.models import Deployment, TrainedModel, TrainingJob


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "version", "mode", "trained_at"]
    list_filter = ["mode"]
    search_fields = ["name", "project__name"]


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    list_display = ["job_id", "project", "model_name", "status", "percent", "created_at"]
    list_filter = ["status"]
    search_fields = ["model_name", "project__name", "job_id"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "model", "model_version", "deployed_at"]
    search_fields = ["name", "project__name"]
