"""Project pages: the project list, creating a project, the project shell and its settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from projects import services
from projects.demo import create_demo_project
from projects.forms import MemberForm, ProjectCreateForm, ProjectSettingsForm
from projects.models import (
    MAX_CLASSES_PER_PROJECT,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENTS_PER_PROJECT,
    Class,
    Document,
    Role,
    Split,
    Tag,
)
from projects.selectors import members_of, projects_for
from projects.shell import shell_context
from studio.errors import StudioError


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


def class_rows(project) -> list[dict]:  # type: ignore[no-untyped-def]
    """The project's classes in order, each with the shortcut key its button shows."""
    classes = Class.objects.filter(project=project).order_by("order", "id")
    return [
        {
            "id": c.pk,
            "name": c.name,
            "colour": c.colour,
            "key": CLASS_KEYS[i] if i < len(CLASS_KEYS) else "",
            "show": f"class:{c.pk}",
        }
        for i, c in enumerate(classes)
    ]


def document_filter(params: QueryDict, project) -> dict:  # type: ignore[no-untyped-def]
    """Read the filter shared by the tag view and the documents table from the query string.

    Returns the canonical query (the same parameters the documents API takes) and a label.
    """
    query: dict[str, str] = {}
    label = "All documents"
    show = params.get("show", "")
    if params.get("untagged") in ("true", "1") or show == "untagged":
        query["untagged"] = "true"
        label = "Untagged documents"
    elif params.get("tagged") in ("true", "1") or show == "tagged":
        query["tagged"] = "true"
        label = "Tagged documents"
    elif show.startswith("class:") or params.get("class"):
        value = show.removeprefix("class:") if show else params.get("class", "")
        cls = Class.objects.filter(project=project, pk=value).first() if value.isdigit() else None
        if cls:
            query["class"] = str(cls.pk)
            label = f"Tagged {cls.name}"
    split = params.get("split", "")
    if show.startswith("split:"):
        split = show.removeprefix("split:")
    if split in Split.values:
        query["split"] = split
        label += f" · {Split(split).label.lower()} split"
    search = params.get("search", "").strip()
    if search:
        query["search"] = search
        label += f" · containing “{search}”"
    return {"query": query, "label": label, "show": _show_value(query)}


def _show_value(query: dict[str, str]) -> str:
    if "untagged" in query:
        return "untagged"
    if "tagged" in query:
        return "tagged"
    if "class" in query:
        return f"class:{query['class']}"
    return ""


def filtered_documents(project, query: dict[str, str]) -> QuerySet[Document]:  # type: ignore[no-untyped-def]
    has_tag = Exists(Tag.objects.filter(document=OuterRef("pk")))
    docs = Document.objects.filter(project=project)
    if "untagged" in query:
        docs = docs.filter(~has_tag)
    if "tagged" in query:
        docs = docs.filter(has_tag)
    if "class" in query:
        docs = docs.filter(tags__category_id=query["class"])
    if "split" in query:
        docs = docs.filter(split=query["split"])
    if "search" in query:
        docs = docs.filter(text__icontains=query["search"])
    return docs.order_by("id")


def document_json(doc: Document) -> dict:
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
    flt = document_filter(request.GET, project)
    docs = filtered_documents(project, flt["query"])
    doc = None
    wanted = request.GET.get("doc", "")
    if wanted.isdigit():
        doc = Document.objects.filter(project=project, pk=wanted).first()
    if doc is None:
        untagged = docs.filter(~Exists(Tag.objects.filter(document=OuterRef("pk"))))
        doc = untagged.first() or docs.first()
    all_docs = Document.objects.filter(project=project)
    counts = {
        "total": all_docs.count(),
        "tagged": all_docs.filter(tags__isnull=False).distinct().count(),
    }
    classes = class_rows(project)
    can_edit = context["role"] in (Role.OWNER, Role.EDITOR)
    state = {
        "project": project.name,
        "multiLabel": project.is_multi_label,
        "classes": classes,
        "document": document_json(doc) if doc else None,
        "query": flt["query"],
        "filterLabel": flt["label"],
        "counts": counts,
        "canEdit": can_edit,
    }
    context |= {
        "document": doc,
        "doc_classes": set(state["document"]["classes"]) if doc else set(),
        "classes": classes,
        "filter": flt,
        "counts": counts,
        "state": state,
        "can_edit": can_edit,
        "splits": Split.choices,
    }
    return render(request, "projects/tag.html", context)


PAGE_SIZE = 50
SORTS = {
    "": ("Oldest first", ["id"]),
    "newest": ("Newest first", ["-id"]),
    "name": ("Name A to Z", ["name", "id"]),
    "-name": ("Name Z to A", ["-name", "-id"]),
}


def data_page(request: HttpRequest, name: str) -> HttpResponse:
    """Import, classes, the documents table and exports; data.js adds the actions."""
    project = request.project
    context = shell_context(request, project, "data")
    flt = document_filter(request.GET, project)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else ""
    page = request.GET.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    offset = (page_number - 1) * PAGE_SIZE
    # One row more than the page tells whether a next page exists, without counting them all.
    rows = list(
        filtered_documents(project, flt["query"])
        .order_by(*SORTS[sort][1])
        .prefetch_related("tags__category")[offset : offset + PAGE_SIZE + 1]
    )
    classes = Class.objects.filter(project=project).annotate(tag_count=Count("tags"))
    can_edit = context["role"] in (Role.OWNER, Role.EDITOR)
    query = dict(flt["query"], **({"sort": sort} if sort else {}))
    context |= {
        "classes": classes.order_by("order", "id"),
        "class_options": class_rows(project),
        "documents": rows[:PAGE_SIZE],
        "page_number": page_number,
        "has_next": len(rows) > PAGE_SIZE,
        "filter": flt,
        "query": query,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "sort": sort,
        "splits": Split.choices,
        "can_edit": can_edit,
        "is_owner": context["role"] == Role.OWNER,
        "total": Document.objects.filter(project=project).count(),
        "limits": {
            "chars": MAX_DOCUMENT_CHARS,
            "documents": MAX_DOCUMENTS_PER_PROJECT,
            "classes": MAX_CLASSES_PER_PROJECT,
        },
        "page_state": {
            "project": project.name,
            "query": flt["query"],
            "canEdit": can_edit,
            "multiLabel": project.is_multi_label,
        },
    }
    return render(request, "projects/data.html", context)


FEW_TAGS = 10
IMBALANCE_RATIO = 10


def distribution_of(project) -> dict:  # type: ignore[no-untyped-def]
    """Documents per class and split, the untagged counts and plain-words warnings."""
    splits = [Split.TRAIN, Split.TEST, Split.AUTO]
    rows = []
    per_class = (
        Tag.objects.filter(document__project=project)
        .values("category_id", "document__split")
        .annotate(n=Count("id"))
    )
    counts = {(r["category_id"], r["document__split"]): r["n"] for r in per_class}
    for cls in Class.objects.filter(project=project).order_by("order", "id"):
        by_split = {s: counts.get((cls.pk, s), 0) for s in splits}
        rows.append(
            {
                "id": cls.pk,
                "name": cls.name,
                "colour": cls.colour,
                **by_split,
                "total": sum(by_split.values()),
            }
        )
    has_tag = Exists(Tag.objects.filter(document=OuterRef("pk")))
    untagged = dict(
        Document.objects.filter(project=project)
        .filter(~has_tag)
        .values_list("split")
        .annotate(n=Count("id"))
    )
    untagged_row = {s: untagged.get(s, 0) for s in splits}
    warnings = []
    few = [r for r in rows if r["total"] < FEW_TAGS]
    for r in few:
        has = f"only {r['total']}" if r["total"] else "no"
        warnings.append(
            f"{r['name']} has {has} tagged document{'s' if r['total'] != 1 else ''}: "
            f"tag at least {FEW_TAGS} so the model can learn it and be tested on it."
        )
    tagged = [r for r in rows if r["total"] > 0]
    if len(tagged) >= 2:
        most = max(tagged, key=lambda r: r["total"])
        least = min(tagged, key=lambda r: r["total"])
        if most["total"] >= IMBALANCE_RATIO * least["total"]:
            warnings.append(
                f"The classes are very unbalanced: {most['name']} has {most['total']} tagged "
                f"documents, {least['name']} only {least['total']}. The model will lean towards "
                f"{most['name']}; tag more {least['name']} documents if you can."
            )
    if sum(untagged_row.values()):
        warnings.append(
            f"{sum(untagged_row.values())} documents have no class yet; training skips them."
        )
    return {
        "classes": rows,
        "untagged": untagged_row | {"total": sum(untagged_row.values())},
        "warnings": warnings,
    }


def distribution_page(request: HttpRequest, name: str) -> HttpResponse:
    project = request.project
    context = shell_context(request, project, "data")
    distribution = distribution_of(project)
    context |= {"distribution": distribution, "chart": distribution}
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
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_project(project, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("projects:settings", name=project.name)
    context |= {
        "form": form,
        "member_form": MemberForm(),
        "members": members_of(project),
        "can_edit": can_edit,
    }
    return render(request, "projects/settings.html", context)


@require_POST
def member_set(request: HttpRequest, name: str) -> HttpResponse:
    project = request.project
    form = MemberForm(request.POST)
    user = None
    if form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
    if user is None:
        messages.error(request, "No user with that name: an admin creates accounts first.")
    else:
        services.set_member(project=project, user=user, role=form.cleaned_data["role"])
        messages.success(request, f"{user.username} is now {form.cleaned_data['role']}.")
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


@require_POST
def project_delete(request: HttpRequest, name: str) -> HttpResponse:
    project = request.project
    if request.POST.get("confirm_name") != project.name:
        messages.error(request, "Type the project's name to confirm deleting it.")
        return redirect("projects:settings", name=project.name)
    services.delete_project(project)
    messages.success(request, f"Project {name} deleted.")
    return redirect("projects:list")
