"""The training app's pages under /projects/<name>/: Train, Model performance (list, model,
compare, exports), Improve model, Deploy and Test model. Each is a server-rendered shell over the
reads in `training.selectors` and `training.evaluation`; the page scripts call the studio API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from projects.models import Class
from projects.names import RESOURCE_NAME_HELP, RESOURCE_NAME_RE
from projects.shell import project_page
from studio.errors import StudioError
from studio.models import ApiKey
from training import evaluation as ev
from training import selectors, services
from training.handoff import handoff
from training.job_json import jobs_json
from training.models import Deployment, JobStatus, SplitKind, TrainedModel, TrainingMode
from training.prediction import preload

# Train page: a shell with the readiness summary and job history; its script starts and cancels
# jobs through the studio API and follows them over the websocket.

RECENT_JOBS = 10


def train_page(request: HttpRequest, name: str) -> HttpResponse:
    context = project_page(request, name, "train")
    project = context["project"]
    models = selectors.trained_models(project)
    jobs = selectors.list_jobs(project)[:RECENT_JOBS]
    active = next((job for job in jobs if job.is_active), None)
    readiness = selectors.training_readiness(project)
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


# Model performance, compare, exports and Improve model: thin views over the stored evaluation;
# the figures come from `training.evaluation`, the charts from the page scripts.


def _model(context: dict[str, Any], model_name: str) -> TrainedModel:
    try:
        return selectors.get_model(context["project"], model_name)
    except StudioError as exc:
        raise Http404(exc.message) from exc


def _summary(model: TrainedModel) -> dict[str, Any]:
    """The list's row: stored figures only, so the list reads no results files."""
    evaluation = model.evaluation or {}
    counts = model.split_counts or {}
    micro_f1_ci = ev.overall_intervals(evaluation)["micro_f1_ci"]
    return {
        "model": model,
        "has_evaluation": model.evaluation is not None,
        "overall": ev.overall(evaluation) if model.evaluation else None,
        "micro_f1_ci": ev.shown_interval(
            micro_f1_ci, few=(evaluation.get("documents") or 0) < ev.FEW_TEST_DOCUMENTS
        ),
        "small_test_set": ev.small_test_set(evaluation) if model.evaluation else "",
        "train": counts.get("train"),
        "validation": counts.get("validation"),
        "test": counts.get("test"),
    }


def performance_list(request: HttpRequest, name: str) -> HttpResponse:
    context = project_page(request, name, "performance")
    context["rows"] = [_summary(m) for m in selectors.trained_models(context["project"])]
    return render(request, "training/performance.html", context)


def model_details(request: HttpRequest, name: str, model_name: str) -> HttpResponse:
    context = project_page(request, name, "performance")
    model = _model(context, model_name)
    evaluation = model.evaluation
    rows = [
        row | {"f1_ci_text": ev.shown_interval(row["f1_ci"], few=row["few_test_documents"])}
        for row in (ev.class_rows(evaluation) if evaluation else [])
    ]
    matrix = (evaluation or {}).get("confusion_matrix")
    curve = ev.training_curve(ev.latest_history(model))
    context |= {
        "model": model,
        "summary": _summary(model),
        "tiles": ev.tiles(evaluation) if evaluation else [],
        "few_class_documents": ev.FEW_CLASS_TEST_DOCUMENTS,
        "rows": rows,
        "heatmap": ev.heatmap(matrix, evaluation.get("classes") or []) if matrix else None,
        "worst": ev.worst_confusions(matrix) if matrix else [],
        "charts": {
            "classes": [row["name"] for row in rows],
            "f1": [row["f1"] for row in rows],
            "precision": [row["precision"] for row in rows],
            "recall": [row["recall"] for row in rows],
            "curve": curve,
        },
        "others": [m for m in selectors.trained_models(context["project"]) if m.pk != model.pk],
    }
    return render(request, "training/performance_model.html", context)


def compare_page(request: HttpRequest, name: str) -> HttpResponse:
    context = project_page(request, name, "performance")
    models = selectors.trained_models(context["project"])
    by_name = {m.name: m for m in models}
    a = by_name.get(request.GET.get("a", ""))
    b = by_name.get(request.GET.get("b", ""))
    if a is None and models:
        a = models[0]
    if b is None and len(models) > 1:
        b = next(m for m in models if m != a)
    context |= {"models": models, "a": a, "b": b}
    if a and b:
        comparison = ev.compare(a.evaluation, b.evaluation)
        noise = ev.paired(a, b) if a != b else ev.unpaired("A and B are the same model.")
        for figure in comparison["overall"]:
            figure["noise"] = noise["figures"].get(figure["key"])
        for row in comparison["classes"]:
            row["noise"] = noise["classes"].get(row["name"])
        context["comparison"] = comparison
        context["noise"] = noise
        context["charts"] = {
            "compare": {
                "classes": [row["name"] for row in comparison["classes"]],
                "a": [row["a"]["f1"] if row["a"] else None for row in comparison["classes"]],
                "b": [row["b"]["f1"] if row["b"] else None for row in comparison["classes"]],
                "names": [f"{a.name} (A)", f"{b.name} (B)"],
            }
        }
    return render(request, "training/compare.html", context)


def _model_facts(model: TrainedModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "mode": model.mode,
        "trained_at": model.trained_at.isoformat() if model.trained_at else None,
        "training_duration_s": model.training_duration_s,
        "split_counts": model.split_counts,
        "evaluation_error": model.evaluation_error or None,
    }


def export_json(request: HttpRequest, name: str, model_name: str) -> HttpResponse:
    model = _model(project_page(request, name, "performance"), model_name)
    body = ev.evaluation_export(_model_facts(model), model.evaluation)
    response = JsonResponse(body, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{model.name}-evaluation.json"'
    return response


def export_csv(request: HttpRequest, name: str, model_name: str) -> HttpResponse:
    model = _model(project_page(request, name, "performance"), model_name)
    if model.evaluation is None:
        raise Http404(f"The model {model.name!r} has no evaluation: {model.evaluation_error}")
    response = HttpResponse(ev.evaluation_csv(model.evaluation), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{model.name}-evaluation.csv"'
    return response


def improve_page(request: HttpRequest, name: str) -> HttpResponse:
    """The model dropdown, filters and suggestions; improve.js loads the mistakes from the
    review API and re-tags through the document tags API."""
    context = project_page(request, name, "improve")
    project = context["project"]
    models = selectors.trained_models(project)
    chosen = next((m for m in models if m.name == request.GET.get("model")), None)
    if chosen is None and models:
        chosen = max(models, key=lambda m: (m.trained_at is not None, m.trained_at))
    classes = list(Class.objects.filter(project=project).order_by("order", "id"))
    data = None
    if chosen is not None:
        data = ev.review(project, chosen, limit=0)
    context |= {
        "models": models,
        "model": chosen,
        "classes": classes,
        "review": data,
        "state": {
            "project": project.name,
            "model": chosen.name if chosen else None,
            "multiLabel": project.is_multi_label,
            "canEdit": context["can_edit"],
            "classes": [{"id": c.pk, "name": c.name, "colour": c.colour} for c in classes],
        },
    }
    return render(request, "training/improve.html", context)


# Deploy and Test model.


def _deploy_context(request: HttpRequest, name: str, section: str) -> dict:
    context = project_page(request, name, section)
    deployments = Deployment.objects.filter(project=context["project"]).select_related("model")
    return context | {"deployments": deployments}


def deploy_page(request: HttpRequest, name: str) -> HttpResponse:
    """The deploy form and the deployments, and for the one chosen (`?deployment=`, else the
    first) the hand-off: prediction URL, samples and which of the caller's keys to send."""
    context = _deploy_context(request, name, "deploy")
    context["models"] = TrainedModel.objects.filter(project=context["project"], version__gt=0)
    deployments = list(context["deployments"])
    wanted = request.GET.get("deployment", "")
    chosen = next(
        (d for d in deployments if d.name == wanted), deployments[0] if deployments else None
    )
    if chosen is not None:
        endpoint = request.build_absolute_uri("/").rstrip("/")
        context["handoff"] = handoff(endpoint, context["project"], chosen)
        context["api_keys"] = ApiKey.objects.filter(user=request.user).order_by("slot")
    return render(request, "training/deploy.html", context)


def test_model_page(request: HttpRequest, name: str) -> HttpResponse:
    context = _deploy_context(request, name, "test")
    # The bars take each class's own colour, as on the Data and Tag pages.
    context["class_colours"] = dict(
        Class.objects.filter(project=context["project"]).values_list("name", "colour")
    )
    first = next(iter(context["deployments"]), None)
    if first is not None:
        preload(first)
    return render(request, "training/test_model.html", context)
