"""The permission table against the URL configuration: every route has a rule, and every rule
holds for anonymous callers, bad and revoked keys, non-members, viewers, editors and owners.

The cases are generated from `studio.urls` and `projects.access.RULES`, so a new route without a
rule fails `test_every_route_has_a_rule`, and its rule is exercised here as soon as it has one.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from projects.access import NAMESPACES, RULES, Need
from projects.models import Class, Document, ImportJob, Project, Role
from projects.services import create_class, create_document, create_project, set_member
from studio.services import regenerate_api_key, revoke_api_key
from training.models import AuthoringJob, Deployment, TrainedModel, TrainingJob

PRINCIPALS = ("anonymous", "bad key", "revoked key", "non-member", "viewer", "editor", "owner")
RANK = {"viewer": 1, "editor": 2, "owner": 3}
NEED_RANK = {
    Need.VIEWER: 1,
    Need.SERVE: 1,
    Need.EDITOR: 2,
    Need.EDITOR_OR_NEW: 2,
    Need.OWNER: 3,
    Need.OWNER_OR_NEW: 3,
}
# What only members may read: none of it may appear in an answer that refuses the caller.
SECRETS = ("secret-description-5521", "SecretClass", "secret-doc-7.txt", "confidential text 9931")
AZURE_VERSION = "2023-04-01"


def _routes(patterns: list[Any]) -> list[str]:
    return list(_named_patterns(patterns))


def _cases() -> list[tuple[str, str]]:
    return [
        (route, method)
        for route, rules in RULES.items()
        for method in rules
        if ":" not in method and method != "CONNECT"
    ]


def test_every_route_has_a_rule():
    routes = [r for r in _routes(get_resolver().url_patterns) if r.split(":")[0] not in NAMESPACES]
    assert sorted(set(routes) - set(RULES)) == []


def test_every_rule_names_a_route_and_a_method_it_has():
    from training.routing import websocket_urlpatterns

    routes = set(_routes(get_resolver().url_patterns))
    routes |= {pattern.name for pattern in websocket_urlpatterns}
    assert sorted(set(RULES) - routes) == []
    for route, method in _cases():
        view = _pattern(route).callback
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if cls is not None:
            assert hasattr(cls, method.lower()), f"{route} has no {method}"


def _pattern(route: str) -> URLPattern:
    return _named_patterns(get_resolver().url_patterns)[route]


def _named_patterns(patterns: list[Any], namespace: str = "") -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            found |= _named_patterns(pattern.url_patterns, inner)
        else:  # an unnamed route gets a name no rule has, so the test below fails on it
            name = pattern.name or f"<unnamed {pattern.pattern}>"
            found[f"{namespace}:{name}" if namespace else name] = pattern
    return found


@pytest.fixture
def world(db) -> dict[str, Any]:
    """One project with a member of each role, data in every table a route reads, and a key
    for each principal that sends one."""
    users = {}
    for role in ("owner", "editor", "viewer", "non-member"):
        user = get_user_model().objects.create(username=role.replace("-", ""))
        user.set_unusable_password()
        user.save()
        users[role] = user
    project = create_project(
        owner=users["owner"],
        name="Matrix",
        kind="single_label",
        description="secret-description-5521",
    )
    set_member(project=project, user=users["editor"], role=Role.EDITOR)
    set_member(project=project, user=users["viewer"], role=Role.VIEWER)
    category = create_class(project, "SecretClass")
    document = create_document(
        project, name="secret-doc-7.txt", text="confidential text 9931", classes=[category]
    )
    model = TrainedModel.objects.create(
        project=project,
        name="model-a",
        version=1,
        artifact_path="/nowhere/v1",
        evaluation={"micro_f1": 0.9},
        trained_at=timezone.now(),
    )
    Deployment.objects.create(
        project=project, name="prod", model=model, model_version=1, artifact_path="/nowhere/v1"
    )
    expires = timezone.now() + timezone.timedelta(days=1)
    job = TrainingJob.objects.create(project=project, model_name="model-a", expires_at=expires)
    ImportJob.objects.create(project=project)
    keys = {role: regenerate_api_key(user=user, slot=1) for role, user in users.items()}
    keys["bad key"] = "not-a-key-" + uuid.uuid4().hex
    keys["revoked key"] = regenerate_api_key(user=users["viewer"], slot=2)
    revoke_api_key(user=users["viewer"], slot=2)
    return {
        "project": project,
        "users": users,
        "keys": keys,
        "kwargs": {
            "project_name": project.name,
            "name": project.name,
            "class_id": category.pk,
            "document_id": document.pk,
            "model_name": model.name,
            "deployment_name": "prod",
            "username": "viewer",
            "user_id": users["viewer"].pk,
            "slot": 1,
            "job_id": str(job.job_id),
            "uidb64": "MQ",
            "token": "not-a-token",
        },
    }


def _url(route: str, kwargs: dict[str, Any]) -> str:
    wanted = _pattern(route).pattern.regex.groupindex
    used = {k: v for k, v in kwargs.items() if k in wanted}
    if route == "azure-import-job":
        used["job_id"] = str(
            AuthoringJob.objects.create(
                kind=AuthoringJob.Kind.IMPORT,
                project_name=used["project_name"],
                expires_at=timezone.now() + timezone.timedelta(days=1),
            ).job_id
        )
    if route == "api-import":
        used["job_id"] = ImportJob.objects.first().pk
    url = reverse(route, kwargs=used)
    return url + (f"?api-version={AZURE_VERSION}" if url.startswith("/language/") else "")


def _client(principal: str, world: dict[str, Any], *, api: bool) -> APIClient:
    client = APIClient()
    if principal == "anonymous":
        return client
    if api:
        client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=world["keys"][principal])
    elif principal in world["users"]:
        client.force_login(world["users"][principal])
    return client


def _expected_refusal(need: Need, principal: str, *, api: bool) -> int | None:
    """The status the table promises `principal`, or None when it lets them through."""
    if principal in ("bad key", "revoked key") and api:
        return 401  # a wrong key is refused everywhere, public routes included
    if need is Need.PUBLIC or need is Need.STAFF:
        return None
    if principal in ("anonymous", "bad key", "revoked key"):
        return 401 if api else 302
    if need is Need.SIGNED_IN:
        return None
    if need is Need.STAFF_PAGE:
        return 403  # no principal here is staff; tests/integration/projects/test_users_page.py
    if principal == "non-member":
        return 404  # the project exists, so "or new" does not apply
    return 403 if RANK[principal] < NEED_RANK[need] else None


@pytest.mark.parametrize(("route", "method"), _cases())
def test_route_answers_each_principal_as_the_table_says(world, route, method):
    from projects.permissions import member_cache
    from studio.auth import key_cache

    need = RULES[route][method]
    for principal in PRINCIPALS:
        key_cache.clear()
        member_cache.clear()
        url = _url(route, world["kwargs"])
        api = url.startswith(("/api/", "/language/"))
        if not api and principal in ("bad key", "revoked key"):
            continue  # pages do not read keys: the same as anonymous
        client = _client(principal, world, api=api)
        response = getattr(client, method.lower())(url, data={}, format="json")
        refused = _expected_refusal(need, principal, api=api)
        body = response.content.decode("utf-8", "replace")
        where = f"{method} {url} as {principal}: {response.status_code} {body[:200]}"
        if refused is None:
            assert response.status_code not in (401, 403), where
            if response.status_code == 404 and api:
                assert json.loads(body)["error"]["code"] != "ProjectNotFound", where
            if not api and need is not Need.PUBLIC:
                assert response.status_code != 404, where
                assert not response.get("Location", "").startswith(reverse("login")), where
            continue
        assert response.status_code == refused, where
        if refused == 302:
            assert response["Location"].startswith(reverse("login")), where
        if api and response["Content-Type"].startswith("application/json"):
            codes = ("Unauthorized", "ProjectNotFound", "Forbidden")
            assert json.loads(body)["error"]["code"] in codes, where
        for secret in SECRETS:
            assert secret not in body, where
        if Project.objects.filter(name="Matrix").count() == 0:
            break  # an owner-only delete ran: later principals have nothing left to reach


def test_only_the_owner_changes_settings_through_azure_patch(world):
    """An editor could set the confidence threshold through Azure's PATCH."""
    url = reverse("azure-project", kwargs={"project_name": "Matrix"})
    body = {"settings": {"confidenceThreshold": 0.99}, "description": "changed"}
    for principal, status in (("editor", 403), ("owner", 200)):
        client = _client(principal, world, api=True)
        response = client.patch(
            f"{url}?api-version={AZURE_VERSION}",
            data=json.dumps(body),
            content_type="application/merge-patch+json",
        )
        assert response.status_code == status
        project = Project.objects.get(name="Matrix")
        assert (project.confidence_threshold == 0.99) is (principal == "owner")


def test_unauthenticated_project_api_request_is_401_not_404(world):
    response = APIClient().get(reverse("api-class-list", kwargs={"project_name": "Matrix"}))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Unauthorized"
    assert Class.objects.count() == 1
    assert Document.objects.count() == 1
