"""Who may do what in a project: one helper that pages, APIs and consumers all call."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import OuterRef, Subquery
from rest_framework.permissions import BasePermission

from projects.models import ROLE_RANK, Membership, Project, Role
from studio.errors import NotFound, PermissionDenied


def role_of(user: AbstractBaseUser | AnonymousUser, project: Project) -> Role | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, project=project).only("role").first()
    return Role(membership.role) if membership else None


def get_project_for(
    user: AbstractBaseUser | AnonymousUser, name: str, *, need: Role = Role.VIEWER
) -> Project:
    """The project called `name` if `user` is a member with at least the `need` role.

    Non-members get NotFound, not Forbidden, so project names do not leak.
    """
    project = None
    if user.is_authenticated:
        # One query for the project and the user's role: every API request and page runs this.
        role_query = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")
        project = (
            Project.objects.filter(name=name).annotate(member_role=Subquery(role_query[:1])).first()
        )
    role = Role(project.member_role) if project and project.member_role else None
    if project is None or role is None:
        raise NotFound(f"The project {name!r} does not exist.", code="ProjectNotFound")
    if ROLE_RANK[role] < ROLE_RANK[need]:
        raise PermissionDenied(
            f"This needs the {need.label.lower()} role in {name!r}; you are {role.label.lower()}."
        )
    return project


class IsMember(BasePermission):
    """For API views taking `project_name`; the view reads the project from `request.project`."""

    need = Role.VIEWER

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        name = view.kwargs.get("project_name")
        if name is None:
            return True
        need = Role.VIEWER if request.method in ("GET", "HEAD", "OPTIONS") else self.need
        request.project = get_project_for(request.user, name, need=need)
        return True


class IsEditor(IsMember):
    need = Role.EDITOR


class IsOwner(IsMember):
    need = Role.OWNER
