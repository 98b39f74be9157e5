"""A project and the caller's role in it, read in one query; `projects.access` decides which
route needs which role and calls these."""

from __future__ import annotations

import copy

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import OuterRef, Subquery

from projects.models import ROLE_RANK, Membership, Project, Role
from studio.errors import NotFound, PermissionDenied
from studio.ttl_cache import TtlCache

# The prediction route reads the project and the caller's membership through this per-process
# cache (as it does the API key and the deployment): a project or membership saved or deleted in
# this process counts at once; one changed by another process within MEMBER_CACHE_SECONDS.
MEMBER_CACHE_SECONDS = 5.0
MEMBER_CACHE_SIZE = 1024
member_cache: TtlCache[tuple[int, str], Project] = TtlCache(MEMBER_CACHE_SECONDS, MEMBER_CACHE_SIZE)


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


def get_project_to_serve(user: AbstractBaseUser | AnonymousUser, name: str) -> Project:
    """`get_project_for` with the viewer role, through `member_cache`: for the classify hot
    path, where the lookup was a third of a short document's time. A refusal raises from the
    load and is not kept; each call gets its own copy, so no request changes the shared entry."""
    if not user.is_authenticated:
        return get_project_for(user, name)  # raises NotFound
    cached = member_cache.get_or_load((user.pk, name), lambda: get_project_for(user, name))
    return copy.copy(cached)


# Any write to a project or a membership clears it.
member_cache.clear_on_writes(Project, Membership, name="forget-members")
