"""Deploy and Test model pages: server-rendered shells; the page scripts call the studio API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from projects.models import ROLE_RANK, Class, Role
from projects.permissions import get_project_for, role_of
from projects.sections import SECTIONS_BY_SLUG
from studio.errors import StudioError
from training.models import Deployment, TrainedModel
from training.prediction import preload


def _context(request: HttpRequest, name: str, section: str) -> dict:
    try:
        project = get_project_for(request.user, name)
    except StudioError as exc:
        raise Http404(exc.message) from exc
    role = role_of(request.user, project)
    return {
        "project": project,
        "section": SECTIONS_BY_SLUG[section],
        "role": role,
        "can_edit": ROLE_RANK[role] >= ROLE_RANK[Role.EDITOR],
        "deployments": Deployment.objects.filter(project=project).select_related("model"),
    }


@login_required
def deploy_page(request: HttpRequest, name: str) -> HttpResponse:
    context = _context(request, name, "deploy")
    context["models"] = TrainedModel.objects.filter(project=context["project"], version__gt=0)
    return render(request, "training/deploy.html", context)


@login_required
def test_model_page(request: HttpRequest, name: str) -> HttpResponse:
    context = _context(request, name, "test")
    # The bars take each class's own colour, as on the Data and Tag pages.
    context["class_colours"] = dict(
        Class.objects.filter(project=context["project"]).values_list("name", "colour")
    )
    first = next(iter(context["deployments"]), None)
    if first is not None:
        preload(first)
    return render(request, "training/test_model.html", context)
