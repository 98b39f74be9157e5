"""Reads that pages and APIs share: the projects a user sees with their counts, the document
filter and sort, and the data distribution with its warnings."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from projects.models import (
    AssistState,
    Class,
    Document,
    Membership,
    Project,
    QueueStrategy,
    Split,
    Tag,
)
from projects.readiness import FEW_TAGS, few_tags_message, imbalance_message, is_unbalanced
from studio.errors import ValidationError


def _document_counts() -> dict[str, Subquery]:
    """`document_count` and `tagged_count` (documents with at least one tag) of each project."""
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
    return {"document_count": Subquery(documents), "tagged_count": Subquery(tagged)}


def projects_for(user: AbstractBaseUser) -> QuerySet[Project]:
    """The user's projects, with document and tagged counts and the last trained model."""
    # Through the reverse relation (`Project.models`, the training app's models), so this app
    # reads them without importing the app above it.
    last_model = Project.objects.filter(
        pk=OuterRef("pk"), models__trained_at__isnull=False
    ).order_by("-models__trained_at")
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(
            **_document_counts(),
            last_model_name=Subquery(last_model.values("models__name")[:1]),
            last_trained_at=Subquery(last_model.values("models__trained_at")[:1]),
        )
        .order_by("-updated_at")
    )


def users_with_roles() -> QuerySet[AbstractBaseUser]:
    """Every account for the staff's Users page, each with `roles`: its memberships with their
    projects, by project name."""
    roles = Membership.objects.select_related("project").order_by("project__name")
    return (
        get_user_model()
        .objects.order_by("username")
        .prefetch_related(Prefetch("membership_set", queryset=roles, to_attr="roles"))
    )


def document_counts(project: Project) -> dict[str, int]:
    """How many documents the project holds and how many are tagged, counted as its card counts."""
    row = Project.objects.filter(pk=project.pk).annotate(**_document_counts()).get()
    return {"documents": row.document_count or 0, "tagged": row.tagged_count or 0}


def members_of(project: Project) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project=project).select_related("user").order_by("user__username")
    )


FILTER_KEYS = ("search", "class", "tagged", "untagged", "split")
TRUE_WORDS = ("true", "1", "yes")


def classes_of(project: Project) -> QuerySet[Class]:
    """The project's classes in their order, each with `tag_count`, as every list shows them."""
    return (
        Class.objects.filter(project=project)
        .annotate(tag_count=Count("tags"))
        .order_by("order", "id")
    )


@dataclass(frozen=True)
class DocumentFilter:
    """A checked filter over a project's documents: what the table, tag view and bulk actions
    work on. Built only by `read_document_filter`, so pages and API read one query one way."""

    search: str = ""
    category: Class | None = None
    tagged: bool = False
    untagged: bool = False
    split: str = ""

    @property
    def query(self) -> dict[str, str]:
        """The filter as the documents API's parameters, which the page scripts send back."""
        query = {"untagged": "true"} if self.untagged else {"tagged": "true"} if self.tagged else {}
        if self.category is not None:
            query["class"] = str(self.category.pk)
        if self.split:
            query["split"] = self.split
        if self.search:
            query["search"] = self.search
        return query

    @property
    def label(self) -> str:
        """The filter in words, for the page headings."""
        label = "All documents"
        if self.untagged:
            label = "Untagged documents"
        elif self.tagged:
            label = "Tagged documents"
        elif self.category is not None:
            label = f"Tagged {self.category.name}"
        if self.split:
            label += f" · {Split(self.split).label.lower()} split"
        if self.search:
            label += f" · containing “{self.search}”"
        return label


def read_document_filter(
    project: Project, params: Mapping[str, Any] | None
) -> tuple[DocumentFilter, list[ValidationError]]:
    """Read the filter keys (`search`, `class` id, `tagged` / `untagged` "true", `split`) and
    return the filter with one error for each value it had to leave out.

    The API refuses the first error and a page leaves the value out and shows the error, so a bad
    value means the same, in the same words, everywhere; a bulk delete never widens silently.
    """
    params = params or {}
    errors = []
    untagged = str(params.get("untagged", "")).lower() in TRUE_WORDS
    tagged = str(params.get("tagged", "")).lower() in TRUE_WORDS
    if tagged and untagged:
        errors.append(
            ValidationError("Ask for tagged or untagged documents, not both.", target="tagged")
        )
        tagged = False
    category = None
    wanted = str(params.get("class") or "")
    if wanted and not wanted.isdigit():
        errors.append(ValidationError("The class filter takes a class id.", target="class"))
    elif wanted:
        category = Class.objects.filter(project=project, pk=int(wanted)).first()
        if category is None:
            message = f"The class {wanted} does not exist in {project.name!r}."
            errors.append(ValidationError(message, target="class"))
    split = str(params.get("split") or "")
    if split and split not in Split.values:
        errors.append(
            ValidationError(f"A split is one of {', '.join(Split.values)}.", target="split")
        )
        split = ""
    search = str(params.get("search") or "").strip()
    return DocumentFilter(search, category, tagged, untagged, split), errors


def documents_matching(project: Project, flt: DocumentFilter) -> QuerySet[Document]:
    """The project's documents that a checked filter keeps, in no particular order."""
    docs = Document.objects.filter(project=project)
    has_tag = Exists(Tag.objects.filter(document=OuterRef("pk")))
    if flt.untagged:
        docs = docs.filter(~has_tag)
    if flt.tagged:
        docs = docs.filter(has_tag)
    if flt.category is not None:
        docs = docs.filter(
            Exists(Tag.objects.filter(document=OuterRef("pk"), category=flt.category))
        )
    if flt.split:
        docs = docs.filter(split=flt.split)
    if flt.search:
        docs = docs.filter(text__icontains=flt.search)
    return docs


def filter_documents(project: Project, query: Mapping[str, Any] | None) -> QuerySet[Document]:
    """The documents the filter keys ask for; a value the filter cannot take is refused."""
    flt, errors = read_document_filter(project, query)
    if errors:
        raise errors[0]
    return documents_matching(project, flt)


@dataclass(frozen=True)
class Sort:
    label: str
    # The fields of the keyset, ascending or descending together; the last one is unique.
    fields: tuple[str, ...]


# The API's `sort` values, which the Data page's sort menu uses too.
SORTS = {
    "created": Sort("Oldest first", ("id",)),
    "-created": Sort("Newest first", ("-id",)),
    "name": Sort("Name A to Z", ("name", "id")),
    "-name": Sort("Name Z to A", ("-name", "-id")),
}
DEFAULT_SORT = "created"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def sort_fields(sort: str) -> tuple[str, ...]:
    """The ordering a sort key names; an unknown key is refused rather than guessed."""
    if sort not in SORTS:
        raise ValidationError(f"Sort by one of {', '.join(SORTS)}.", target="sort")
    return SORTS[sort].fields


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
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> DocumentPage:
    """One keyset page of documents, with their tags; no count, so page 2,000 costs as page 1."""
    fields = sort_fields(sort)
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
    for cls in classes_of(project):
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
            warnings.append(few_tags_message(row["name"], row["total"]))
    tagged = [row for row in classes if row["total"]]
    if len(tagged) >= 2:
        most = max(tagged, key=lambda row: row["total"])
        least = min(tagged, key=lambda row: row["total"])
        if is_unbalanced(most["total"], least["total"]):
            warnings.append(
                imbalance_message(most["name"], most["total"], least["name"], least["total"])
            )
    if untagged:
        plural = "document has" if untagged == 1 else "documents have"
        warnings.append(f"{untagged} {plural} no class yet; training skips them.")
    return warnings


# Ids per query when reading a stored list's documents: a list can name every document of a
# project, and a query's parameters are bounded.
STORED_CHUNK = 500


def still_current(
    items: list[dict[str, Any]],
    documents: QuerySet[Document],
    *,
    keep: Callable[[dict[str, Any], Document], dict[str, Any] | None],
    limit: int,
) -> list[dict[str, Any]]:
    """The first `limit` entries of a list the worker stored (each naming a `document_id`) that
    still hold: the entry's document is among `documents` and `keep(entry, document)` returns
    what to show rather than None.

    The stored list is as of its computation; tags changed and documents deleted since are only
    found by reading the documents again. They are read a chunk at a time, best entries first,
    and reading stops once `limit` entries hold, so a page of 50 does not read every document.
    The training app's likely-mislabelled list reads through this too (projects cannot import
    training, so the helper lives here).
    """
    kept: list[dict[str, Any]] = []
    for start in range(0, len(items), STORED_CHUNK):
        chunk = items[start : start + STORED_CHUNK]
        ids = [item["document_id"] for item in chunk]
        now = {doc.pk: doc for doc in documents.filter(pk__in=ids)}
        for item in chunk:
            doc = now.get(item["document_id"])
            shown = None if doc is None else keep(item, doc)
            if shown is not None:
                kept.append(shown)
        if len(kept) >= limit:
            break
    return kept[:limit]


def tag_queue(project: Project, *, limit: int) -> dict[str, Any]:
    """The stored tag-next order, without the documents tagged (or deleted) since."""
    # The mislabelled list beside it can be as long as the queue, and nothing here reads it.
    state = AssistState.objects.filter(project=project).defer("mislabelled").first()
    if state is None or state.queue_strategy == QueueStrategy.NONE:
        return {"strategy": QueueStrategy.NONE, "model": None, "computed_at": None, "items": []}
    untagged = Document.objects.filter(project=project, tags__isnull=True).only("pk")
    return {
        "strategy": state.queue_strategy,
        "model": state.queue_model or None,
        "computed_at": state.queue_computed_at,
        "items": still_current(state.queue, untagged, keep=lambda item, doc: item, limit=limit),
    }
