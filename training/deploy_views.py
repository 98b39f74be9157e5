"""Deploy and Test model pages: server-rendered shells; the page scripts call the studio API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects.models import Class
from projects.shell import project_page
from training.models import Deployment, TrainedModel
from training.prediction import preload


def _context(request: HttpRequest, name: str, section: str) -> dict:
    context = project_page(request, name, section)
    deployments = Deployment.objects.filter(project=context["project"]).select_related("model")
    return context | {"deployments": deployments}


def deploy_page(request: HttpRequest, name: str) -> HttpResponse:
    context = _context(request, name, "deploy")
    context["models"] = TrainedModel.objects.filter(project=context["project"], version__gt=0)
    return render(request, "training/deploy.html", context)


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
