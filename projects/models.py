"""Projects and what they hold: members, classes, documents and the tags that join them.

Invariants live in the database (unique names, one tag per document in single-label projects)
so that no form, API or race can break them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from projects.formats import rows
from projects.names import (
    validate_class_name,
    validate_container_name,
    validate_resource_name,
)
from studio.jobs import Job, JobStatus

# Azure's documented limits (GA), enforced by the services and shown where they apply.
MAX_DOCUMENT_CHARS = 128_000
MAX_DOCUMENTS_PER_PROJECT = 100_000
MAX_CLASSES_PER_PROJECT = 200
MIN_DOCUMENTS_FOR_EVALUATION = 10


class ProjectKind(models.TextChoices):
    SINGLE_LABEL = "single_label", "Single-label classification"
    MULTI_LABEL = "multi_label", "Multi-label classification"


class Role(models.TextChoices):
    # Azure's Owner / Writer / Reader.
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}


class Split(models.TextChoices):
    AUTO = rows.AUTO, "Automatic"
    TRAIN = rows.TRAIN, "Train"
    TEST = rows.TEST, "Test"


class Project(models.Model):
    name = models.CharField(max_length=50, validators=[validate_resource_name])
    kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    language = models.CharField(max_length=10, default="en")
    multilingual = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    # Where the project's files live; one project per container, so no project reads another's.
    storage_container = models.CharField(
        max_length=63, unique=True, validators=[validate_container_name]
    )
    confidence_threshold = models.FloatField(default=0.0)
    # Quick-retrain the latest model after this many new tags since its training; 0 is off.
    auto_retrain_every = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Azure treats names as case-sensitive; two projects differing only by case would
            # be a trap in URLs and scripts, so they are refused.
            models.UniqueConstraint(Lower("name"), name="project_name_unique_ignoring_case"),
            models.CheckConstraint(
                condition=Q(kind__in=ProjectKind.values), name="project_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:overview", args=[self.name])

    @property
    def is_multi_label(self) -> bool:
        return self.kind == ProjectKind.MULTI_LABEL


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.project}"


class Class(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=50, validators=[validate_class_name])
    colour = models.CharField(max_length=7, default="#4f6bed")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "classes"
        constraints = [
            models.UniqueConstraint("project", Lower("name"), name="class_name_unique_in_project"),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="class_colour_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=500)
    text = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    split = models.CharField(max_length=5, choices=Split.choices, default=Split.AUTO)
    content_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="document_name_unique"),
            models.CheckConstraint(
                condition=Q(split__in=Split.values), name="document_split_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
        ]
        indexes = [
            models.Index(fields=["project", "split"], name="document_project_split"),
            # Keyset pages sort by (name, id) or id within a project.
            models.Index(fields=["project", "name", "id"], name="document_project_name"),
            models.Index(fields=["project", "id"], name="document_project_id"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="tags")
    # Django forbids a field named `class_`; `category` is Azure's own word for a class.
    category = models.ForeignKey(
        Class, on_delete=models.CASCADE, related_name="tags", db_column="class_id"
    )
    # True for tags of single-label projects: the partial unique index below then allows one
    # such tag per document, whatever races the services lose.
    exclusive = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "category"], name="tag_unique"),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(exclusive=True),
                name="tag_one_per_single_label_doc",
            ),
        ]
        indexes = [models.Index(fields=["category", "document"], name="tag_class_document")]

    def __str__(self) -> str:
        return f"{self.document} → {self.category}"


class ImportJob(Job):
    """A large import running on a worker; the pages poll it for the progress bar and report."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    on_duplicate = models.CharField(max_length=7, default="skip")
    percent = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="import_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"Import {self.id} into {self.project}: {self.status}"


class QueueStrategy(models.TextChoices):
    ACTIVE = "active", "Active learning (the latest model's uncertainty, spread out)"
    COLD_START = "cold_start", "Cold start (clusters of the untagged documents)"
    NONE = "none", "Not computed yet"


class AssistState(models.Model):
    """What the worker computed to assist tagging, for the APIs to serve without computing:
    the tag-next queue and the likely-mislabelled list, each with the model and time it is of.

    `queue`: [{"document_id", "score"}], best first. `mislabelled`: [{"document_id", "given",
    "suggested", "score"}], most likely wrong first; `given` is the tags it was computed on."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="assist")
    queue_strategy = models.CharField(
        max_length=10, choices=QueueStrategy.choices, default=QueueStrategy.NONE
    )
    queue_model = models.CharField(max_length=50, blank=True)
    queue_computed_at = models.DateTimeField(null=True, blank=True)
    queue = models.JSONField(default=list)
    mislabelled_model = models.CharField(max_length=50, blank=True)
    mislabelled_computed_at = models.DateTimeField(null=True, blank=True)
    mislabelled = models.JSONField(default=list)
    mislabelled_note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(queue_strategy__in=QueueStrategy.values),
                name="assist_queue_strategy_valid",
            )
        ]

    def __str__(self) -> str:
        return f"assist for {self.project}"
