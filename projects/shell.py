"""The project shell every project page renders in: the project, its menu entry and the
visitor's role. Pages of both apps start from here; who may see which page is in
`projects.access`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from projects.models import ROLE_RANK, Project, Role
from projects.permissions import role_of
from projects.sections import SECTIONS_BY_SLUG


def shell_context(request: HttpRequest, project: Project, section: str) -> dict[str, Any]:
    role = role_of(request.user, project)
    return {
        "project": project,
        "section": SECTIONS_BY_SLUG[section],
        "role": role,
        "can_edit": role is not None and ROLE_RANK[role] >= ROLE_RANK[Role.EDITOR],
    }


def project_page(request: HttpRequest, name: str, section: str) -> dict[str, Any]:
    """The shell's context for a page of `section` of the project `name`, which
    `projects.access.PageAccessMiddleware` has checked and put on `request.project`."""
    return shell_context(request, request.project, section)
