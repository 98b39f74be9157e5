"""The project shell every project page renders in: the project, its menu entry and the
visitor's role. Pages of both apps start from here, so a non-member meets the same 404 on each."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from projects.models import ROLE_RANK, Project, Role
from projects.permissions import get_project_for, role_of
from projects.sections import SECTIONS_BY_SLUG
from studio.errors import StudioError


def project_or_404(request: HttpRequest, name: str, need: Role = Role.VIEWER) -> Project:
    try:
        return get_project_for(request.user, name, need=need)
    except StudioError as exc:
        raise Http404(exc.message) from exc


def shell_context(request: HttpRequest, project: Project, section: str) -> dict[str, Any]:
    role = role_of(request.user, project)
    return {
        "project": project,
        "section": SECTIONS_BY_SLUG[section],
        "role": role,
        "can_edit": role is not None and ROLE_RANK[role] >= ROLE_RANK[Role.EDITOR],
    }


def project_page(request: HttpRequest, name: str, section: str) -> dict[str, Any]:
    """The shell's context for a page of `section` of the project `name`, for any member."""
    return shell_context(request, project_or_404(request, name), section)
