"""Every job table's status column holds every status value it can be given, on the database in
use (SQLite ignores max_length, so the widths are also checked against the longest value)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from projects.models import ImportJob
from training.models import AnalyzeJob, AuthoringJob, DeploymentJob, TrainingJob

pytestmark = pytest.mark.django_db


def status_fields(model: type[models.Model]) -> list[models.CharField]:
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField) and field.name.endswith("status")
    ]


@pytest.fixture
def jobs(project) -> list[models.Model]:
    """One row of each job table."""
    expires_at = timezone.now() + timedelta(days=1)
    return [
        TrainingJob.objects.create(project=project, model_name="m", expires_at=expires_at),
        AnalyzeJob.objects.create(expires_at=expires_at),
        DeploymentJob.objects.create(
            project=project, deployment_name="prod", expires_at=expires_at
        ),
        AuthoringJob.objects.create(
            kind=AuthoringJob.Kind.EXPORT, project_name=project.name, expires_at=expires_at
        ),
        ImportJob.objects.create(project=project),
    ]


def test_every_status_column_is_wide_enough_for_its_longest_value(jobs):
    for job in jobs:
        for field in status_fields(type(job)):
            longest = max(field.choices, key=lambda choice: len(choice[0]))[0]
            assert field.max_length >= len(longest), f"{field} cannot hold {longest!r}"


def test_every_status_value_saves_into_every_job_table(jobs):
    for job in jobs:
        model = type(job)
        for field in status_fields(model):
            for value, _ in field.choices:
                model.objects.filter(pk=job.pk).update(**{field.name: value})
                saved = model.objects.values_list(field.name, flat=True).get(pk=job.pk)
                assert saved == value
