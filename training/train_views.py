"""The Train page: a server-rendered shell with the readiness summary and job history; its
script starts and cancels jobs through the studio API and follows them over the websocket."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects.names import RESOURCE_NAME_HELP, RESOURCE_NAME_RE
from projects.shell import project_page
from training import services
from training.job_json import jobs_json
from training.models import JobStatus, SplitKind, TrainingMode

RECENT_JOBS = 10


def train_page(request: HttpRequest, name: str) -> HttpResponse:
    context = project_page(request, name, "train")
    project = context["project"]
    models = services.trained_models(project)
    jobs = services.list_jobs(project)[:RECENT_JOBS]
    active = next((job for job in jobs if job.is_active), None)
    readiness = services.training_readiness(project)
    jobs_data = jobs_json(jobs)
    page_data = {
        "project": project.name,
        "models": {
            m.name: {
                "trained_at": m.trained_at.isoformat() if m.trained_at else None,
                "f1": m.micro_f1,
                "version": m.version,
            }
            for m in models
        },
        "readiness": readiness,
        "jobs": jobs_data,
        "active_job": jobs_data[jobs.index(active)] if active else None,
        # The template's labels, so that rows the script adds read the same.
        "statuses": dict(JobStatus.choices),
    }
    context |= {
        "models": models,
        "jobs": jobs,
        "active_job": active,
        "readiness": readiness,
        "page_data": page_data,
        "modes": TrainingMode.choices,
        "splits": SplitKind.choices,
        "name_help": RESOURCE_NAME_HELP,
        "name_pattern": RESOURCE_NAME_RE.pattern.strip("^$"),
        "default_base_model": settings.STUDIO_BASE_MODEL or "",
        "max_models": services.MAX_MODELS_PER_PROJECT,
    }
    return render(request, "training/train.html", context)
