"""Deployment services: the only code that writes Deployment rows (deploy, swap, delete)."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from projects.models import Project
from projects.names import validate_resource_name
from studio.errors import Conflict, NotFound, ValidationError
from studio.ttl_cache import TtlCache
from training.models import Deployment, TrainedModel
from training.warmup import announce

MAX_DEPLOYMENTS = 10

# The prediction routes look their deployment up on every request; each process keeps it this
# long. A deploy, swap or delete made in this process is served at once (the writes below clear
# the cache); one made by another process is served within DEPLOYMENT_CACHE_SECONDS.
DEPLOYMENT_CACHE_SECONDS = 5.0
DEPLOYMENT_CACHE_SIZE = 256
deployment_cache: TtlCache[tuple[int, str], Deployment] = TtlCache(
    DEPLOYMENT_CACHE_SECONDS, DEPLOYMENT_CACHE_SIZE
)


def get_deployment(project: Project, name: str) -> Deployment:
    deployment = (
        Deployment.objects.select_related("model", "project").filter(project=project, name=name)
    ).first()
    if deployment is None:
        raise NotFound(
            f"The deployment {name!r} does not exist in project {project.name!r}.",
            code="NotFound",
            inner_code="DeploymentNotFound",
        )
    return deployment


def get_deployment_to_serve(project: Project, name: str) -> Deployment:
    """`get_deployment` through the per-process cache, for the prediction hot path.

    The row comes back as a copy attached to the caller's `project`, so it carries the project's
    kind and confidence threshold as the caller read them and no request changes the shared
    entry.
    """
    cached = deployment_cache.get_or_load(
        (project.pk, name),
        lambda: (
            Deployment.objects.select_related("model").filter(project=project, name=name).first()
        ),
    )
    if cached is None:
        return get_deployment(project, name)  # raises NotFound with the usual message
    deployment = copy.copy(cached)  # Django copies the related-object cache with the instance
    deployment.project = project
    return deployment


# Any write to a deployment, a model (renamed, retrained, deleted) or a project clears it.
deployment_cache.clear_on_writes(Deployment, TrainedModel, Project, name="forget-deployments")


@transaction.atomic
def deploy_model(
    *, project: Project, name: str, model_name: str, quantize: bool = False
) -> Deployment:
    """Create the deployment `name` or point it at `model_name`, pinning its current version.

    Retraining the model later writes a new version; this deployment keeps serving the one pinned
    here until it is deployed again.
    """
    try:
        validate_resource_name(name)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], target="deployment_name") from exc
    model = TrainedModel.objects.filter(project=project, name=model_name).first()
    if model is None:
        raise NotFound(
            f"The model {model_name!r} does not exist in project {project.name!r}.",
            target="model",
        )
    if model.version == 0 or not model.artifact_path:
        raise ValidationError(
            f"The model {model_name!r} has not been trained successfully yet; train it first.",
            target="model",
        )
    # Lock the project's deployments so two concurrent creations cannot pass the limit together.
    existing = list(Deployment.objects.select_for_update().filter(project=project))
    deployment = next((d for d in existing if d.name == name), None)
    if deployment is None:
        if len(existing) >= MAX_DEPLOYMENTS:
            raise Conflict(
                f"A project can have at most {MAX_DEPLOYMENTS} deployments; delete one first.",
                code="QuotaExceeded",
            )
        deployment = Deployment(project=project, name=name)
    deployment.model = model
    deployment.model_version = model.version
    deployment.artifact_path = model.artifact_path
    deployment.quantize = quantize
    deployment.save()
    announce([deployment])  # every web process loads the model before a request needs it
    return deployment


@transaction.atomic
def swap_deployments(*, project: Project, first: str, second: str) -> tuple[Deployment, Deployment]:
    """Exchange the models (and pinned versions) behind two deployments in one transaction."""
    if first == second:
        raise ValidationError("Choose two different deployments to swap.")
    rows = {
        d.name: d
        for d in Deployment.objects.select_for_update().filter(
            project=project, name__in=[first, second]
        )
    }
    for name in (first, second):
        if name not in rows:
            get_deployment(project, name)  # raises NotFound with the usual message
    a, b = rows[first], rows[second]
    fields = ("model", "model_version", "artifact_path", "quantize")
    pinned_a = {f: getattr(a, f) for f in fields}
    for f in fields:
        setattr(a, f, getattr(b, f))
        setattr(b, f, pinned_a[f])
    a.save()
    b.save()
    announce([a, b])
    return a, b


@transaction.atomic
def delete_deployment(*, project: Project, name: str) -> None:
    get_deployment(project, name).delete()
