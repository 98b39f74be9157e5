"""The Train page: a server-rendered shell with the readiness summary and job history; its
script starts and cancels jobs through the studio API and follows them over the websocket."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from projects.models import ROLE_RANK, Role
from projects.names import RESOURCE_NAME_HELP, RESOURCE_NAME_RE
from projects.permissions import get_project_for, role_of
from projects.sections import SECTIONS_BY_SLUG
from studio.errors import StudioError
from training import services
from training.api.studio_train import job_json
from training.models import SplitKind, TrainingMode

RECENT_JOBS = 10


@login_required
def train_page(request: HttpRequest, name: str) -> HttpResponse:
    try:
        project = get_project_for(request.user, name)
    except StudioError as exc:
        raise Http404(exc.message) from exc
    role = role_of(request.user, project)
    models = services.trained_models(project)
    jobs = services.list_jobs(project)[:RECENT_JOBS]
    active = next((job for job in jobs if job.is_active), None)
    readiness = services.training_readiness(project)
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
        "jobs": [job_json(job) for job in jobs],
        "active_job": job_json(active) if active else None,
    }
    context = {
        "project": project,
        "section": SECTIONS_BY_SLUG["train"],
        "role": role,
        "can_edit": ROLE_RANK[role] >= ROLE_RANK[Role.EDITOR],
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
