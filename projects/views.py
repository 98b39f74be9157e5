"""Project pages: the project list, creating a project, the project shell and its settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from projects import services
from projects.demo import create_demo_project
from projects.forms import (
    MemberForm,
    NewAccountForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    UserActiveForm,
)
from projects.models import (
    MAX_CLASSES_PER_PROJECT,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENTS_PER_PROJECT,
    Document,
    Project,
    Role,
    Split,
    Tag,
)
from projects.names import MAX_NAME_LENGTH
from projects.readiness import AUTOMATIC_SPLIT_TEXT, FEW_TAGS
from projects.selectors import (
    DEFAULT_SORT,
    FILTER_KEYS,
    SORTS,
    DocumentFilter,
    classes_of,
    data_distribution,
    document_counts,
    documents_matching,
    members_of,
    projects_for,
    read_document_filter,
    sort_fields,
    tag_queue,
    users_with_roles,
)
from projects.shell import shell_context
from studio.errors import StudioError, ValidationError
from studio.services import check_may_manage, password_set_path, set_user_active


def project_list(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/list.html", {"projects": projects_for(request.user)})


def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(owner=request.user, **form.cleaned_data)
        except StudioError as exc:
            form.add_error(exc.target if exc.target in form.fields else None, exc.message)
        else:
            messages.success(request, f"Project {project.name} created.")
            return redirect(project)
    return render(request, "projects/create.html", {"form": form})


@require_POST
def demo_project(request: HttpRequest) -> HttpResponse:
    """Create the demo project for this user (or find it again) and open it."""
    project, created = create_demo_project(owner=request.user)
    if created:
        messages.success(request, f"Demo project {project.name} created: train a model at once.")
    return redirect(project)


def project_overview(request: HttpRequest, name: str) -> HttpResponse:
    project = request.project
    return redirect("projects:data", name=project.name)


# Keys the tagging view keeps for itself; classes get 1-9, then the remaining letters.
RESERVED_KEYS = set("jknsu")
CLASS_KEYS = [str(n) for n in range(1, 10)] + [
    c for c in "abcdefghilmopqrtvwxyz" if c not in RESERVED_KEYS
]


def class_rows(project: Project) -> list[dict[str, Any]]:
    """The project's classes in order, each with the shortcut key its button shows."""
    return [
        {
            "id": c.pk,
            "name": c.name,
            "colour": c.colour,
            "key": CLASS_KEYS[i] if i < len(CLASS_KEYS) else "",
            "show": f"class:{c.pk}",
        }
        for i, c in enumerate(classes_of(project))
    ]


def page_filter(request: HttpRequest, project: Project) -> DocumentFilter:
    """The documents filter of a page's query string, read as the documents API reads it.

    The pages' one `show` menu stands for the API's `tagged`, `untagged` and `class` keys. A
    value the API would refuse is left out here, and the page says why in the API's words.
    """
    params = {key: request.GET[key] for key in FILTER_KEYS if key in request.GET}
    show = request.GET.get("show", "")
    if show in ("tagged", "untagged"):
        params[show] = "true"
    elif show.startswith("class:"):
        params["class"] = show.removeprefix("class:")
    flt, errors = read_document_filter(project, params)
    for error in errors:
        messages.warning(request, error.message)
    return flt


def filter_context(flt: DocumentFilter) -> dict[str, Any]:
    """What the filter bar needs: the API query, the words for it and the `show` menu's value."""
    show = "untagged" if flt.untagged else "tagged" if flt.tagged else ""
    if flt.category is not None:
        show = f"class:{flt.category.pk}"
    return {"query": flt.query, "label": flt.label, "show": show}


def document_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "name": doc.name,
        "text": doc.text,
        "split": doc.split,
        "classes": sorted(doc.tags.values_list("category_id", flat=True)),
    }


def tag_page(request: HttpRequest, name: str) -> HttpResponse:
    """One document at a time; tag.js takes over navigation and saving through the API."""
    project = request.project
    context = shell_context(request, project, "tag")
    flt = page_filter(request, project)
    docs = documents_matching(project, flt).order_by(*sort_fields(DEFAULT_SORT))
    doc = None
    wanted = request.GET.get("doc", "")
    if wanted.isdigit():
        doc = Document.objects.filter(project=project, pk=wanted).first()
    # The tag-next queue (computed on the worker after each training) orders the page by
    # default when there is one and no filter is chosen; `order=list` keeps the documents' own
    # order.
    wanted_order = request.GET.get("order", "")
    unfiltered = flt.query in ({}, {"untagged": "true"})
    wants_queue = wanted_order == "queue" or (not wanted_order and unfiltered)
    # The page sends the queue's ids only when the queue orders it; otherwise one entry still
    # held is enough to offer the order menu.
    queue = tag_queue(project, limit=1000 if wants_queue else 1)
    has_queue = queue["strategy"] != "none" and bool(queue["items"])
    use_queue = has_queue and wants_queue
    queue_ids = [item["document_id"] for item in queue["items"]] if use_queue else []
    if doc is None and queue_ids:
        doc = Document.objects.filter(project=project, pk=queue_ids[0]).first()
    if doc is None:
        untagged = docs.filter(~Exists(Tag.objects.filter(document=OuterRef("pk"))))
        doc = untagged.first() or docs.first()
    found = document_counts(project)
    counts = {"total": found["documents"], "tagged": found["tagged"]}
    classes = class_rows(project)
    can_edit = context["role"] in (Role.OWNER, Role.EDITOR)
    state = {
        "project": project.name,
        "multiLabel": project.is_multi_label,
        "classes": classes,
        "document": document_json(doc) if doc else None,
        "query": flt.query,
        "filterLabel": "Order: most useful first (active learning)" if use_queue else flt.label,
        "counts": counts,
        "canEdit": can_edit,
        "queue": queue_ids,
        "queueStrategy": queue["strategy"] if use_queue else "none",
    }
    context |= {
        "document": doc,
        "has_queue": has_queue,
        "use_queue": use_queue,
        "doc_classes": set(state["document"]["classes"]) if doc else set(),
        "classes": classes,
        "filter": filter_context(flt),
        "counts": counts,
        "state": state,
        "can_edit": can_edit,
        "splits": Split.choices,
    }
    return render(request, "projects/tag.html", context)


PAGE_SIZE = 50
# Sort keys the Data page used before it took the API's, kept so old links still sort.
OLD_SORTS = {"newest": "-created"}


def page_sort(request: HttpRequest) -> str:
    """The sort key of a page's query string; one the API would refuse falls back, with a word."""
    sort = request.GET.get("sort", "")
    sort = OLD_SORTS.get(sort, sort) or DEFAULT_SORT
    try:
        sort_fields(sort)
    except ValidationError as exc:
        messages.warning(request, exc.message)
        return DEFAULT_SORT
    return sort


def data_page(request: HttpRequest, name: str) -> HttpResponse:
    """Import, classes, the documents table and exports; data.js adds the actions."""
    project = request.project
    context = shell_context(request, project, "data")
    flt = page_filter(request, project)
    sort = page_sort(request)
    page = request.GET.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    offset = (page_number - 1) * PAGE_SIZE
    # One row more than the page tells whether a next page exists, without counting them all.
    rows = list(
        documents_matching(project, flt)
        .order_by(*sort_fields(sort))
        .prefetch_related("tags__category")[offset : offset + PAGE_SIZE + 1]
    )
    can_edit = context["role"] in (Role.OWNER, Role.EDITOR)
    query = flt.query | ({"sort": sort} if sort != DEFAULT_SORT else {})
    context |= {
        "classes": classes_of(project),
        "class_options": class_rows(project),
        "documents": rows[:PAGE_SIZE],
        "page_number": page_number,
        "has_next": len(rows) > PAGE_SIZE,
        "filter": filter_context(flt),
        "query": query,
        "sorts": [(key, choice.label) for key, choice in SORTS.items()],
        "sort": sort,
        "splits": Split.choices,
        "can_edit": can_edit,
        "is_owner": context["role"] == Role.OWNER,
        "total": document_counts(project)["documents"],
        "limits": {
            "chars": MAX_DOCUMENT_CHARS,
            "documents": MAX_DOCUMENTS_PER_PROJECT,
            "classes": MAX_CLASSES_PER_PROJECT,
            "class_name": MAX_NAME_LENGTH,
        },
        "next_colour": services.next_class_colour(project),
        "page_state": {
            "project": project.name,
            "query": flt.query,
            "canEdit": can_edit,
            "multiLabel": project.is_multi_label,
        },
    }
    return render(request, "projects/data.html", context)


def distribution_page(request: HttpRequest, name: str) -> HttpResponse:
    """The distribution API's figures and warnings, as a table and a chart."""
    project = request.project
    context = shell_context(request, project, "data")
    distribution = data_distribution(project)
    context |= {
        "distribution": distribution,
        "few_tags": FEW_TAGS,
        "automatic_split": AUTOMATIC_SPLIT_TEXT,
    }
    return render(request, "projects/distribution.html", context)


def project_settings(request: HttpRequest, name: str) -> HttpResponse:
    project = request.project
    context = shell_context(request, project, "settings")
    can_edit = context["role"] == Role.OWNER
    form = ProjectSettingsForm(
        request.POST or None,
        initial={
            "description": project.description,
            "language": project.language,
            "multilingual": project.multilingual,
            "auto_retrain_every": project.auto_retrain_every,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_project(project, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("projects:settings", name=project.name)
    context |= {
        "form": form,
        "member_form": MemberForm(),
        "account_form": NewAccountForm(prefix="new"),
        "members": members_of(project),
        "roles": Role.choices,
        "can_edit": can_edit,
        "new_account": _pop_link(request, project.name) if can_edit else None,
    }
    return render(request, "projects/settings.html", context)


def _keep_link(request: HttpRequest, where: str, user: Any) -> None:
    """Show `user`'s set-password link once, on the next page `where` renders (as a new API
    key is): the studio keeps no copy of it."""
    link = request.build_absolute_uri(password_set_path(user))
    request.session["new_account_link"] = {"where": where, "username": user.username, "link": link}


def _pop_link(request: HttpRequest, where: str) -> dict[str, Any] | None:
    found = request.session.get("new_account_link")
    if not found or found.get("where") != where:
        return None
    del request.session["new_account_link"]
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    return found | {"days": days}


@require_POST
def member_set(request: HttpRequest, name: str) -> HttpResponse:
    """Add a member by username or email, or change a member's role."""
    project = request.project
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a username or email and a role.")
        return redirect("projects:settings", name=project.name)
    try:
        membership = services.add_member(project=project, **form.cleaned_data)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.username} is now {membership.role}.")
    return redirect("projects:settings", name=project.name)


@require_POST
def member_create(request: HttpRequest, name: str) -> HttpResponse:
    """Create an account that joins the project; its set-password link is shown once."""
    project = request.project
    form = NewAccountForm(request.POST, prefix="new")
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors) or "Give a username, an email and a role.")
        return redirect("projects:settings", name=project.name)
    try:
        user = services.create_member_account(project=project, **form.cleaned_data)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        _keep_link(request, project.name, user)
        messages.success(
            request, f"Account {user.username} created as {form.cleaned_data['role']}."
        )
    return redirect("projects:settings", name=project.name)


@require_POST
def member_remove(request: HttpRequest, name: str, user_id: int) -> HttpResponse:
    project = request.project
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        try:
            services.remove_member(project=project, user=user)
        except StudioError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{user.username} removed from the project.")
    return redirect("projects:settings", name=project.name)


# ---- Users: the staff's list of every account


def user_list(request: HttpRequest) -> HttpResponse:
    context = {"users": users_with_roles(), "new_account": _pop_link(request, "users")}
    return render(request, "projects/users.html", context)


@require_POST
def user_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=user_id)
    form = UserActiveForm(request.POST)
    active = form.is_valid() and form.cleaned_data["active"]
    try:
        set_user_active(user=user, active=active, by=request.user)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        state = "active: it can sign in" if active else "deactivated: its sessions and keys stop"
        messages.success(request, f"{user.username} is {state}.")
    return redirect("users:list")


@require_POST
def user_password_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """A new one-time set-password link for an account (no email is sent: staff hand it over)."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        check_may_manage(user=user, by=request.user)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        _keep_link(request, "users", user)
    return redirect("users:list")


@require_POST
def project_delete(request: HttpRequest, name: str) -> HttpResponse:
    project = request.project
    if request.POST.get("confirm_name") != project.name:
        messages.error(request, "Type the project's name to confirm deleting it.")
        return redirect("projects:settings", name=project.name)
    services.delete_project(project)
    messages.success(request, f"Project {name} deleted.")
    return redirect("projects:list")
