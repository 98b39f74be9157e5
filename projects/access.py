"""Who may call which route: the one permission table, read by the pages, the studio API, the
Azure routes and the websocket alike.

Each route name maps each method to what the caller needs. Project roles are checked against the
project named in the URL (`project_name` in the APIs and the socket, `name` in the pages); a
signed-in non-member meets a 404, so project names do not leak, a member without the role a 403,
and an anonymous caller a 401 (APIs, socket) or the sign-in page (pages). A route missing from
the table is refused to everyone, and tests/integration/studio/test_access_matrix.py walks the URL
configuration so that a new route without an entry fails there.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.permissions import BasePermission

from projects.models import Project, Role
from projects.permissions import get_project_for, get_project_to_serve
from studio.errors import NotFound, PermissionDenied, StudioError

log = logging.getLogger(__name__)


class Need(StrEnum):
    PUBLIC = "anyone"
    SIGNED_IN = "any signed-in account"  # what it reaches is filtered to the caller inside
    VIEWER = "viewer"
    # Any member, through the per-process serving cache: classify and the job status reads
    # that clients poll, the hot paths (a revoked member is refused within its 5 s lifetime).
    SERVE = "viewer (cached)"
    EDITOR = "editor"
    OWNER = "owner"
    # Azure's PATCH and :import create the project when it does not exist yet.
    EDITOR_OR_NEW = "editor, or any account when the project is new"
    OWNER_OR_NEW = "owner, or any account when the project is new"
    STAFF = "staff (Django admin's own check)"
    STAFF_PAGE = "a staff account"  # the studio's own pages for staff, checked by the table


ROLE_OF_NEED = {
    Need.VIEWER: Role.VIEWER,
    Need.SERVE: Role.VIEWER,
    Need.EDITOR: Role.EDITOR,
    Need.OWNER: Role.OWNER,
    Need.EDITOR_OR_NEW: Role.EDITOR,
    Need.OWNER_OR_NEW: Role.OWNER,
}

P, S, V, E, OWN = Need.PUBLIC, Need.SIGNED_IN, Need.VIEWER, Need.EDITOR, Need.OWNER

# Route name -> method -> need. "METHOD:action" rows are finer rules that a view asks for by
# name where the body decides (a bulk delete; each project an analyze-text job names).
RULES: dict[str, dict[str, Need]] = {
    # Pages and the session
    "home": {"GET": P},
    "healthz": {"GET": P},
    "login": {"GET": P, "POST": P},
    "logout": {"POST": P},
    "password-set": {"GET": P, "POST": P},  # the one-time link's token is the credential
    "keys": {"GET": S},
    "key-regenerate": {"POST": S},
    "key-revoke": {"POST": S},
    "projects:list": {"GET": S},
    "projects:create": {"GET": S, "POST": S},
    "projects:demo": {"POST": S},
    "projects:overview": {"GET": V},
    "projects:settings": {"GET": V, "POST": OWN},
    "projects:member-set": {"POST": OWN},
    "projects:member-create": {"POST": OWN},
    "projects:member-remove": {"POST": OWN},
    "projects:delete": {"POST": OWN},
    "users:list": {"GET": Need.STAFF_PAGE},
    "users:set-active": {"POST": Need.STAFF_PAGE},
    "users:password-link": {"POST": Need.STAFF_PAGE},
    "projects:data": {"GET": V},
    "projects:distribution": {"GET": V},
    "projects:tag": {"GET": V},
    "train:train": {"GET": V},
    "evaluation:list": {"GET": V},
    "evaluation:compare": {"GET": V},
    "evaluation:model": {"GET": V},
    "evaluation:export-json": {"GET": V},
    "evaluation:export-csv": {"GET": V},
    "evaluation:improve": {"GET": V},
    "deploy:deploy": {"GET": V},
    "deploy:test": {"GET": V},
    # The websocket (training/routing.py); CONNECT is the handshake.
    "ws-jobs": {"CONNECT": V},
    # Schema and its page: the API's shape, no data.
    "api-schema": {"GET": P},
    "api-docs": {"GET": P},
    # Studio API: projects and their data
    "api-project-list": {"GET": S, "POST": S},
    "api-project": {"GET": V, "PATCH": OWN, "DELETE": OWN},
    "api-class-list": {"GET": V, "POST": E},
    "api-class-reorder": {"POST": E},
    "api-class-merge": {"POST": OWN},
    "api-class": {"GET": V, "PATCH": E, "DELETE": OWN},
    "api-document-list": {"GET": V, "POST": E},
    "api-document-bulk": {"POST": E, "POST:delete": OWN},
    "api-document": {"GET": V, "PATCH": E, "DELETE": OWN},
    "api-document-tags": {"GET": V, "POST": E, "PUT": E, "DELETE": E},
    "api-import-list": {"POST": E},
    "api-import": {"GET": V},
    "api-export": {"GET": V},
    "api-distribution": {"GET": V},
    "api-member-list": {"GET": OWN},
    "api-member": {"PUT": OWN, "DELETE": OWN},
    # Studio API: training, evaluation, deployments
    "api-train": {"POST": E},
    "api-job-list": {"GET": V},
    "api-job": {"GET": Need.SERVE},
    "api-job-cancel": {"POST": E},
    "api-model-evaluation": {"GET": V},
    "api-model-review": {"GET": V},
    "api-deployment-list": {"GET": V},
    "api-deployment-swap": {"POST": E},
    "api-deployment": {"GET": V, "PUT": E, "DELETE": E},
    "api-deployment-classify": {"POST": Need.SERVE},
    # Studio API: assisted tagging (reads as documents are read; the refresh starts work)
    "api-suggestions": {"GET": V},
    "api-tag-queue": {"GET": V},
    "api-tag-queue-refresh": {"POST": E},
    "api-mislabelled": {"GET": V},
    # Azure runtime: a job names its projects in the body; each is checked as POST:task.
    "azure-analyze": {"POST": S, "POST:task": V},
    "azure-analyze-job": {"GET": S},
    "azure-analyze-cancel": {"POST": S},
    # Azure authoring, preview (v1.0-preview.2)
    "azure-preview-train": {"POST": E},
    "azure-preview-train-job": {"GET": Need.SERVE},
    "azure-preview-eval": {"GET": V},
    "azure-preview-valid": {"GET": V},
    # Azure authoring, GA
    "azure-projects": {"GET": S},
    "azure-project": {"GET": V, "PATCH": Need.OWNER_OR_NEW, "DELETE": OWN},
    "azure-deletion-job": {"GET": S},
    "azure-training-config-versions": {"GET": S},
    "azure-import": {"POST": Need.EDITOR_OR_NEW},
    "azure-import-job": {"GET": Need.SERVE},
    "azure-export": {"POST": V},
    "azure-export-job": {"GET": Need.SERVE},
    "azure-export-result": {"GET": V},
    "azure-train": {"POST": E},
    "azure-train-jobs": {"GET": V},
    "azure-train-job": {"GET": Need.SERVE},
    "azure-train-cancel": {"POST": E},
    "azure-models": {"GET": V},
    "azure-model": {"GET": V, "DELETE": E},
    "azure-evaluation-summary": {"GET": V},
    "azure-evaluation-result": {"GET": V},
    "azure-deployment-list": {"GET": V},
    "azure-deployment-swap": {"POST": E},
    "azure-deployment": {"GET": V, "PUT": E, "DELETE": E},
    "azure-deployment-job": {"GET": Need.SERVE},
}
# Django admin checks staff itself; every admin route is in its namespace.
NAMESPACES: dict[str, Need] = {"admin": Need.STAFF}


def need_for(route: str, method: str) -> Need | None:
    """What `method` on `route` needs; None when the table has no entry (refused).

    HEAD and OPTIONS are reads. A method the route does not list needs the least it lists, so a
    caller who may see the route gets its 405, and nobody else learns more than before.
    """
    namespace = route.split(":", 1)[0] if ":" in route else ""
    if namespace in NAMESPACES:
        return NAMESPACES[namespace]
    rules = RULES.get(route)
    if not rules:
        return None
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    if method in rules:
        return rules[method]
    order = list(Need)
    return min((need for key, need in rules.items() if ":" not in key), key=order.index)


def project_for(user: AbstractBaseUser | AnonymousUser, name: str, need: Need) -> Project | None:
    """The project `name` when `user` may act on it with `need`; None when `need` is not a
    project role. Raises NotFound (non-member or no such project) or PermissionDenied."""
    role = ROLE_OF_NEED.get(need)
    if role is None:
        return None
    if need in (Need.EDITOR_OR_NEW, Need.OWNER_OR_NEW) and not (
        Project.objects.filter(name=name).exists()
    ):
        return None
    if need is Need.SERVE:
        return get_project_to_serve(user, name)
    return get_project_for(user, name, need=role)


def require(request: Any, rule: str, project_name: str) -> Project:
    """A finer row of the table (`"METHOD:action"` of the request's route) for `project_name`."""
    need = RULES[request.resolver_match.view_name][rule]
    project = project_for(request.user, project_name, need)
    assert project is not None, f"{rule} of {request.resolver_match.view_name} is not a role"
    return project


def _refused(route: str, method: str) -> str:
    log.error("No permission rule for %s %s: refused", method, route)
    return "This route has no permission rule, so it is refused."


class FromTable(BasePermission):
    """DRF's permission for every API view: reads the table after DRF has authenticated the
    caller (session or API key), and leaves the project it checked on `request.project`."""

    def has_permission(self, request, view) -> bool:
        route = request.resolver_match.view_name
        need = need_for(route, request.method)
        if need is None:
            raise PermissionDenied(_refused(route, request.method))
        if need is Need.PUBLIC:
            return True
        if not request.user.is_authenticated:
            raise drf.NotAuthenticated()
        if need is Need.STAFF_PAGE and not request.user.is_staff:
            raise PermissionDenied("Only staff may do this.")
        name = view.kwargs.get("project_name")
        if name is not None:
            project = project_for(request.user, name, need)
            if project is not None:
                request.project = project
        return True


class PageAccessMiddleware:
    """The same table for the server-rendered pages (DRF views are left to `FromTable`, which
    runs after API-key authentication). Sets `request.project` for project pages."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        if getattr(view_func, "cls", None) is not None:  # a DRF view: FromTable checks it
            return None
        route = request.resolver_match.view_name if request.resolver_match else ""
        need = need_for(route, request.method or "GET")
        if need is None:
            raise DjangoPermissionDenied(_refused(route, request.method or "GET"))
        if need in (Need.PUBLIC, Need.STAFF):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if need is Need.STAFF_PAGE and not request.user.is_staff:
            raise DjangoPermissionDenied("Only staff may open this page.")
        name = kwargs.get("name")
        if name is not None:
            try:
                request.project = project_for(request.user, name, need)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
        return None


def socket_project(user: AbstractBaseUser | AnonymousUser, route: str, name: str) -> Project:
    """The project a websocket may join, by the table's CONNECT row; raises StudioError."""
    need = need_for(route, "CONNECT")
    if need is None or not user.is_authenticated:
        raise PermissionDenied("Sign in to follow this project.")
    project = project_for(user, name, need)
    if project is None:
        raise StudioError("The socket route needs a project role.")
    return project
