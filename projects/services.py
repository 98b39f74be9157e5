"""The verbs that change projects: the only code that writes projects, members and their data."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from projects.models import (
    MAX_CLASSES_PER_PROJECT,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENTS_PER_PROJECT,
    Class,
    Document,
    Membership,
    Project,
    ProjectKind,
    Role,
    Split,
    Tag,
)
from projects.names import (
    check_document_name,
    container_from_name,
    validate_class_name,
    validate_container_name,
    validate_resource_name,
)
from projects.selectors import filter_documents
from studio.errors import Conflict, NotFound, ValidationError
from studio.services import create_invited_user


def _check_name_free(name: str) -> None:
    if Project.objects.filter(name__iexact=name).exists():
        raise Conflict(
            f"A project named {name!r} already exists (names are compared ignoring case).",
            code="ProjectAlreadyExists",
            target="name",
        )


def _container_taken(container: str) -> bool:
    return Project.objects.filter(storage_container=container).exists()


def _check_container(container: str) -> str:
    """A container the client named: valid, and no other project's (its files are theirs)."""
    try:
        validate_container_name(container)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], target="storage_container") from exc
    if _container_taken(container):
        raise Conflict(
            f"The storage container {container!r} belongs to another project: name another one, "
            "or leave it out to get one derived from the project name.",
            code="ContainerAlreadyInUse",
            target="storage_container",
        )
    return container


@transaction.atomic
def create_project(
    *,
    owner: AbstractBaseUser,
    name: str,
    kind: str,
    language: str = "en",
    multilingual: bool = False,
    description: str = "",
    storage_container: str = "",
) -> Project:
    try:
        validate_resource_name(name)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], target="name") from exc
    if kind not in ProjectKind.values:
        raise ValidationError(
            f"The project kind must be one of {', '.join(ProjectKind.values)}.", target="kind"
        )
    _check_name_free(name)
    container = _check_container(storage_container) if storage_container else ""
    project = Project(
        name=name,
        kind=kind,
        language=language or "en",
        multilingual=multilingual,
        description=description,
        storage_container=container or container_from_name(name, _container_taken),
    )
    project.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:  # a racing request took the name or container meanwhile
        raise Conflict(
            f"A project named {name!r} or a project with the container "
            f"{project.storage_container!r} already exists.",
            target="name",
        ) from exc
    Membership.objects.create(user=owner, project=project, role=Role.OWNER)
    return project


@transaction.atomic
def update_project(
    project: Project,
    *,
    description: str | None = None,
    language: str | None = None,
    multilingual: bool | None = None,
    confidence_threshold: float | None = None,
    auto_retrain_every: int | None = None,
) -> Project:
    """Change what Azure lets change after creation: the name and kind are fixed."""
    if description is not None:
        project.description = description
    if language is not None:
        project.language = language
    if multilingual is not None:
        project.multilingual = multilingual
    if confidence_threshold is not None:
        if not 0 <= confidence_threshold <= 1:
            raise ValidationError(
                "The confidence threshold is between 0 and 1.", target="confidence_threshold"
            )
        project.confidence_threshold = confidence_threshold
    if auto_retrain_every is not None:
        if not isinstance(auto_retrain_every, int) or auto_retrain_every < 0:
            raise ValidationError(
                "Retrain after a whole number of new tags, 0 for never.",
                target="auto_retrain_every",
            )
        project.auto_retrain_every = auto_retrain_every
    project.save()
    return project


LAST_OWNER = "A project keeps at least one owner: make someone else owner first."


def _is_last_owner(project: Project, user: AbstractBaseUser) -> bool:
    owners = Membership.objects.select_for_update().filter(project=project, role=Role.OWNER)
    return list(owners.values_list("user_id", flat=True)) == [user.pk]


@transaction.atomic
def set_member(*, project: Project, user: AbstractBaseUser, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"A role is one of {', '.join(Role.values)}.", target="role")
    if role != Role.OWNER and _is_last_owner(project, user):
        raise Conflict(LAST_OWNER)
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership


def find_user(who: str) -> AbstractBaseUser:
    """The account a username or an email address names; raises NotFound."""
    who = who.strip()
    users = get_user_model().objects
    user = users.filter(username=who).first() or users.filter(username__iexact=who).first()
    if user is None and "@" in who:
        by_email = list(users.filter(email__iexact=who)[:2])
        if len(by_email) > 1:
            raise ValidationError("Two accounts share that email: give the username.", target="who")
        user = by_email[0] if by_email else None
    if user is None:
        raise NotFound(f"No account is called {who!r} or has that email: create it below.")
    return user


def add_member(*, project: Project, who: str, role: str) -> Membership:
    """Give the account `who` names (username or email) `role` in the project."""
    return set_member(project=project, user=find_user(who), role=role)


@transaction.atomic
def create_member_account(
    *, project: Project, username: str, email: str, role: str
) -> AbstractBaseUser:
    """A new account (no password until its owner sets one) that joins the project as `role`."""
    user = create_invited_user(username=username, email=email)
    set_member(project=project, user=user, role=role)
    return user


@transaction.atomic
def remove_member(*, project: Project, user: AbstractBaseUser) -> None:
    if _is_last_owner(project, user):
        raise Conflict(LAST_OWNER)
    Membership.objects.filter(project=project, user=user).delete()


def delete_project(project: Project) -> None:
    cache = embeddings_cache_dir(project.pk)
    project.delete()
    shutil.rmtree(cache, ignore_errors=True)


def embeddings_cache_dir(project_id: int) -> Path:
    """The project's cache of base-model embeddings (`training.engine.embedding_cache`),
    written by the training worker; here so the project's deletion drops it."""
    return Path(settings.STUDIO_CACHE_DIR) / "embeddings" / str(project_id)


# ---- Classes

# Distinct, readable on light and dark backgrounds; new classes take the next one in turn.
PALETTE = [
    "#4f6bed",
    "#e3008c",
    "#107c10",
    "#ca5010",
    "#8764b8",
    "#038387",
    "#c239b3",
    "#986f0b",
    "#0078d4",
    "#d13438",
]
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def _check_class_name(project: Project, name: str, *, exclude: int | None = None) -> str:
    try:
        validate_class_name(name)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], target="name") from exc
    taken = Class.objects.filter(project=project, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise Conflict(
            f"A class named {name!r} already exists in {project.name!r} (ignoring case).",
            code="ClassAlreadyExists",
            target="name",
        )
    return name


def _check_colour(colour: str) -> str:
    if not isinstance(colour, str) or not COLOUR_RE.fullmatch(colour):
        raise ValidationError("A colour is written #rrggbb, e.g. #4f6bed.", target="colour")
    return colour.lower()


def next_class_colour(project: Project) -> str:
    """The first palette colour no class of the project uses yet (in turn once all are used)."""
    used = set(Class.objects.filter(project=project).values_list("colour", flat=True))
    count = len(used)
    return next((c for c in PALETTE if c not in used), PALETTE[count % len(PALETTE)])


@transaction.atomic
def create_class(project: Project, name: str, *, colour: str | None = None) -> Class:
    """Add a class at the end of the project's order; Azure allows 200 classes per project."""
    Project.objects.select_for_update().filter(pk=project.pk).first()  # serialise the count
    count = Class.objects.filter(project=project).count()
    if count >= MAX_CLASSES_PER_PROJECT:
        raise ValidationError(
            f"A project has at most {MAX_CLASSES_PER_PROJECT} classes; delete or merge some first.",
            code="QuotaExceeded",
            target="name",
        )
    _check_class_name(project, name)
    last = Class.objects.filter(project=project).order_by("-order").first()
    return Class.objects.create(
        project=project,
        name=name,
        colour=_check_colour(colour) if colour else next_class_colour(project),
        order=(last.order + 1) if last else 0,
    )


@transaction.atomic
def rename_class(category: Class, name: str) -> Class:
    """Tags point at the class row, so they follow the new name."""
    category.name = _check_class_name(category.project, name, exclude=category.pk)
    category.save(update_fields=["name"])
    return category


def recolour_class(category: Class, colour: str) -> Class:
    category.colour = _check_colour(colour)
    category.save(update_fields=["colour"])
    return category


@transaction.atomic
def reorder_classes(project: Project, ids: Sequence[int]) -> list[Class]:
    """Put the classes in the order of `ids`, which must name each class of the project once."""
    classes = {c.pk: c for c in Class.objects.select_for_update().filter(project=project)}
    if sorted(ids) != sorted(classes) or len(set(ids)) != len(ids):
        raise ValidationError(
            "Give every class of the project exactly once, in the new order.", target="ids"
        )
    for order, pk in enumerate(ids):
        classes[pk].order = order
    Class.objects.bulk_update(classes.values(), ["order"])
    return [classes[pk] for pk in ids]


@transaction.atomic
def merge_classes(source: Class, target: Class) -> int:
    """Move `source`'s tags onto `target` and delete `source`; returns how many tags moved.

    A document tagged with both (possible only in multi-label projects) keeps one `target` tag.
    """
    if source.project_id != target.project_id:
        raise ValidationError("Both classes must belong to the same project.", target="target")
    if source.pk == target.pk:
        raise ValidationError("Pick two different classes to merge.", target="target")
    both = Tag.objects.filter(category=target).values("document_id")
    Tag.objects.filter(category=source, document_id__in=both).delete()
    moved = Tag.objects.filter(category=source).update(category=target)
    source.delete()
    return moved


@transaction.atomic
def delete_class(category: Class) -> int:
    """Delete the class and its tags; returns the number of tags that went with it."""
    tags = Tag.objects.filter(category=category).count()
    category.delete()
    return tags


# ---- Documents and tags


def _class_of(project: Project, category: Class | int) -> Class:
    if isinstance(category, Class):
        if category.project_id != project.pk:
            raise NotFound("That class is not in this project.", target="class")
        return category
    found = Class.objects.filter(project=project, pk=category).first()
    if found is None:
        raise NotFound(f"The class {category} does not exist in {project.name!r}.", target="class")
    return found


# Sent by name: the training app decides whether enough tags are new and starts the retrain.
AUTO_RETRAIN_TASK = "training.retrain_if_due"


def _after_tagging(project: Project) -> None:
    """Once the tags are committed, let the worker check the project's automatic retrain."""
    if project.auto_retrain_every:
        transaction.on_commit(lambda: current_app.send_task(AUTO_RETRAIN_TASK, args=[project.pk]))


def _locked(document: Document) -> Document:
    """Lock the document row so concurrent taggings of it run one after the other."""
    return Document.objects.select_for_update().select_related("project").get(pk=document.pk)


@transaction.atomic
def tag_document(
    document: Document, category: Class | int, *, user: AbstractBaseUser | None
) -> Tag:
    """Single-label projects replace the document's tag; multi-label projects add one."""
    document = _locked(document)
    project = document.project
    category = _class_of(project, category)
    if not project.is_multi_label:
        Tag.objects.filter(document=document).exclude(category=category).delete()
    tag, _ = Tag.objects.get_or_create(
        document=document,
        category=category,
        defaults={"exclusive": not project.is_multi_label, "created_by": user},
    )
    _after_tagging(project)
    return tag


@transaction.atomic
def untag_document(document: Document, category: Class | int) -> bool:
    """Remove one class from the document; False when it did not have it."""
    document = _locked(document)
    category = _class_of(document.project, category)
    deleted, _ = Tag.objects.filter(document=document, category=category).delete()
    return bool(deleted)


@transaction.atomic
def set_document_tags(
    document: Document, classes: Sequence[Class | int], *, user: AbstractBaseUser | None
) -> list[Class]:
    """Make the document's classes exactly `classes` (the tagging view saves this way)."""
    document = _locked(document)
    project = document.project
    wanted = {c.pk: c for c in (_class_of(project, c) for c in classes)}
    if len(wanted) > 1 and not project.is_multi_label:
        raise ValidationError(
            "A document of a single-label project has one class at most.", target="classes"
        )
    Tag.objects.filter(document=document).exclude(category_id__in=wanted).delete()
    have = set(Tag.objects.filter(document=document).values_list("category_id", flat=True))
    Tag.objects.bulk_create(
        Tag(document=document, category=c, exclusive=not project.is_multi_label, created_by=user)
        for pk, c in wanted.items()
        if pk not in have
    )
    _after_tagging(project)
    return sorted(wanted.values(), key=lambda c: (c.order, c.pk))


def _check_split(split: str) -> str:
    if split not in Split.values:
        raise ValidationError(f"A split is one of {', '.join(Split.values)}.", target="split")
    return split


def set_split(documents: Document | QuerySet[Document], split: str) -> int:
    """Put one document or a query of them in the train, test or automatic split."""
    _check_split(split)
    if isinstance(documents, Document):
        documents.split = split
        documents.save(update_fields=["split", "updated_at"])
        return 1
    return documents.update(split=split, updated_at=timezone.now())


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_text(text: str) -> str | None:
    """Why `text` cannot be a document, or None when it can."""
    if not text.strip():
        return "The text is empty."
    if len(text) > MAX_DOCUMENT_CHARS:
        return (
            f"The text has {len(text):,} characters; Azure's limit is "
            f"{MAX_DOCUMENT_CHARS:,} per document."
        )
    return None


@transaction.atomic
def create_document(
    project: Project,
    *,
    name: str,
    text: str,
    split: str = Split.AUTO,
    language: str = "",
    classes: Sequence[Class | int] = (),
    user: AbstractBaseUser | None = None,
) -> Document:
    """One document typed or pasted through the API; files go through `import_documents`."""
    name = name.strip()
    problem = check_document_name(name)
    if problem:
        raise ValidationError(problem, target="name")
    problem = check_text(text)
    if problem:
        raise ValidationError(problem, target="text")
    _check_split(split)
    if Document.objects.filter(project=project).count() >= MAX_DOCUMENTS_PER_PROJECT:
        raise ValidationError(
            f"A project holds at most {MAX_DOCUMENTS_PER_PROJECT:,} documents.",
            code="QuotaExceeded",
        )
    if Document.objects.filter(project=project, name=name).exists():
        raise Conflict(f"A document named {name!r} already exists.", target="name")
    document = Document.objects.create(
        project=project,
        name=name,
        text=text,
        split=split,
        language=language,
        content_hash=content_hash(text),
    )
    if classes:
        set_document_tags(document, classes, user=user)
    return document


def delete_document(document: Document) -> None:
    document.delete()


BATCH_SIZE = 1000
BULK_ACTIONS = ("tag", "untag", "split", "delete")


@transaction.atomic
def bulk_documents(
    project: Project,
    action: str,
    *,
    ids: Sequence[int] | None = None,
    query: Mapping[str, str] | None = None,
    category: Class | int | None = None,
    split: str | None = None,
    user: AbstractBaseUser | None = None,
) -> int:
    """Apply `action` to the listed documents or to all matching `query`; returns how many.

    The document rows are locked first, so a bulk tag and a single tag of the same document in a
    single-label project cannot both land.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError(f"An action is one of {', '.join(BULK_ACTIONS)}.", target="action")
    if ids is None and query is None:
        raise ValidationError("Give the document ids or a filter.", target="ids")
    docs = Document.objects.filter(project=project)
    docs = docs.filter(pk__in=list(ids)) if ids is not None else filter_documents(project, query)
    doc_ids = list(docs.order_by("pk").select_for_update().values_list("pk", flat=True))
    targets = Document.objects.filter(pk__in=doc_ids)
    if action == "delete":
        targets.delete()
        return len(doc_ids)
    if action == "split":
        return set_split(targets, split or "")
    if category is None:
        raise ValidationError("Pick the class to tag or untag with.", target="class")
    category = _class_of(project, category)
    if action == "untag":
        Tag.objects.filter(document_id__in=doc_ids, category=category).delete()
        return len(doc_ids)
    exclusive = not project.is_multi_label
    for start in range(0, len(doc_ids), BATCH_SIZE):
        chunk = doc_ids[start : start + BATCH_SIZE]
        if exclusive:
            Tag.objects.filter(document_id__in=chunk).exclude(category=category).delete()
        Tag.objects.bulk_create(
            [
                Tag(document_id=pk, category=category, exclusive=exclusive, created_by=user)
                for pk in chunk
            ],
            ignore_conflicts=True,
        )
    _after_tagging(project)
    return len(doc_ids)
