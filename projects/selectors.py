"""Reads that pages and APIs share: the projects a user sees, with the counts their cards show."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from projects.models import Class, Document, Membership, Project, Split, Tag
from studio.errors import ValidationError


def projects_for(user: AbstractBaseUser) -> QuerySet[Project]:
    """The user's projects, with document and tagged counts and the last trained model."""
    from training.models import TrainedModel

    last_model = TrainedModel.objects.filter(
        project=OuterRef("pk"), trained_at__isnull=False
    ).order_by("-trained_at")
    tagged = (
        Document.objects.filter(project=OuterRef("pk"), tags__isnull=False)
        .order_by()
        .values("project")
        .annotate(n=Count("id", distinct=True))
        .values("n")
    )
    documents = (
        Document.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(
            document_count=Subquery(documents),
            tagged_count=Subquery(tagged),
            last_model_name=Subquery(last_model.values("name")[:1]),
            last_trained_at=Subquery(last_model.values("trained_at")[:1]),
        )
        .order_by("-updated_at")
    )


def members_of(project: Project) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project=project).select_related("user").order_by("user__username")
    )


FILTER_KEYS = ("search", "class", "tagged", "untagged", "split")
TRUE_WORDS = ("true", "1", "yes")


def filter_documents(project: Project, query: Mapping[str, Any] | None) -> QuerySet[Document]:
    """The project's documents matching the filter shared by the table, tag view and bulk actions.

    Keys: `search` (text contains, ignoring case), `class` (a class id), `tagged` / `untagged`
    ("true"), `split` (auto, train, test). Unknown values are refused rather than ignored, so a
    bulk delete never widens silently to the whole project.
    """
    query = query or {}
    docs = Document.objects.filter(project=project)
    has_tag = Exists(Tag.objects.filter(document=OuterRef("pk")))
    if str(query.get("untagged", "")).lower() in TRUE_WORDS:
        docs = docs.filter(~has_tag)
    if str(query.get("tagged", "")).lower() in TRUE_WORDS:
        docs = docs.filter(has_tag)
    category = query.get("class")
    if category not in (None, ""):
        if not str(category).isdigit():
            raise ValidationError("The class filter takes a class id.", target="class")
        docs = docs.filter(
            Exists(Tag.objects.filter(document=OuterRef("pk"), category_id=int(category)))
        )
    split = query.get("split")
    if split not in (None, ""):
        if split not in Split.values:
            raise ValidationError(f"A split is one of {', '.join(Split.values)}.", target="split")
        docs = docs.filter(split=split)
    search = str(query.get("search") or "").strip()
    if search:
        docs = docs.filter(text__icontains=search)
    return docs


# Sort key → the fields of the keyset, each ascending or descending together.
SORTS = {
    "created": ("id",),
    "-created": ("-id",),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass
class DocumentPage:
    documents: list[Document]
    next_cursor: str | None


def _encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as exc:
        raise ValidationError("The cursor is not one this API gave out.", target="cursor") from exc
    if not isinstance(values, list) or len(values) != size:
        raise ValidationError("The cursor is not one this API gave out.", target="cursor")
    return values


def document_page(
    project: Project,
    query: Mapping[str, Any] | None = None,
    *,
    sort: str = "created",
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> DocumentPage:
    """One keyset page of documents, with their tags; no count, so page 2,000 costs as page 1."""
    if sort not in SORTS:
        raise ValidationError(f"Sort by one of {', '.join(SORTS)}.", target="sort")
    fields = SORTS[sort]
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    docs = filter_documents(project, query)
    if cursor:
        values = _decode_cursor(cursor, len(fields))
        descending = fields[0].startswith("-")
        names = [f.lstrip("-") for f in fields]
        op = "lt" if descending else "gt"
        if len(names) == 1:
            docs = docs.filter(**{f"{names[0]}__{op}": values[0]})
        else:
            docs = docs.filter(
                Q(**{f"{names[0]}__{op}": values[0]})
                | Q(**{names[0]: values[0], f"{names[1]}__{op}": values[1]})
            )
    tags = Prefetch("tags", queryset=Tag.objects.order_by("category_id"))
    rows = list(docs.order_by(*fields).prefetch_related(tags)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor([getattr(last, f.lstrip("-")) for f in fields])
    return DocumentPage(rows, next_cursor)


FEW_TAGS = 10
IMBALANCE_RATIO = 10
SPLIT_KEYS = (Split.TRAIN, Split.TEST, Split.AUTO)


def data_distribution(project: Project) -> dict[str, Any]:
    """Documents per class and split, untagged counts, and warnings in words a user understands.

    Shape: {classes: [{id, name, colour, train, test, auto, total}], untagged: {train, test,
    auto, total}, splits: {train, test, auto}, documents, tagged, warnings: [str]}.
    """
    counts = {
        (row["category_id"], row["document__split"]): row["n"]
        for row in Tag.objects.filter(document__project=project)
        .values("category_id", "document__split")
        .annotate(n=Count("id"))
    }
    classes = []
    for cls in Class.objects.filter(project=project).order_by("order", "id"):
        by_split = {str(s): counts.get((cls.pk, s), 0) for s in SPLIT_KEYS}
        classes.append(
            {"id": cls.pk, "name": cls.name, "colour": cls.colour, **by_split}
            | {"total": sum(by_split.values())}
        )
    has_tag = Exists(Tag.objects.filter(document=OuterRef("pk")))
    docs = Document.objects.filter(project=project)
    per_split = dict(docs.order_by().values_list("split").annotate(n=Count("id")))
    untagged = dict(docs.filter(~has_tag).order_by().values_list("split").annotate(n=Count("id")))
    untagged_row = {str(s): untagged.get(s, 0) for s in SPLIT_KEYS}
    total = sum(per_split.values())
    untagged_total = sum(untagged_row.values())
    return {
        "classes": classes,
        "untagged": untagged_row | {"total": untagged_total},
        "splits": {str(s): per_split.get(s, 0) for s in SPLIT_KEYS},
        "documents": total,
        "tagged": total - untagged_total,
        "warnings": _distribution_warnings(classes, untagged_total),
    }


def _distribution_warnings(classes: list[dict[str, Any]], untagged: int) -> list[str]:
    warnings = []
    for row in classes:
        if row["total"] < FEW_TAGS:
            has = f"only {row['total']}" if row["total"] else "no"
            plural = "" if row["total"] == 1 else "s"
            warnings.append(
                f"{row['name']} has {has} tagged document{plural}: tag at least {FEW_TAGS} so "
                f"the model can learn it and be tested on it."
            )
    tagged = [row for row in classes if row["total"]]
    if len(tagged) >= 2:
        most = max(tagged, key=lambda row: row["total"])
        least = min(tagged, key=lambda row: row["total"])
        if most["total"] > IMBALANCE_RATIO * least["total"]:
            warnings.append(
                f"The classes are very unbalanced: {most['name']} has {most['total']} tagged "
                f"documents, {least['name']} only {least['total']}. The model will lean towards "
                f"{most['name']}; tag more {least['name']} documents if you can."
            )
    if untagged:
        plural = "document has" if untagged == 1 else "documents have"
        warnings.append(f"{untagged} {plural} no class yet; training skips them.")
    return warnings
