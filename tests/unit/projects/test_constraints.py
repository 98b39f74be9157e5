"""The invariants hold in the database itself, whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import Class, Document, Project, Tag
from training.models import JobStatus, TrainingJob

pytestmark = pytest.mark.django_db


def _document(project, name="a.txt"):
    return Document.objects.create(project=project, name=name, text="hello", content_hash="x")


def test_database_refuses_project_names_differing_only_by_case(project):
    with pytest.raises(IntegrityError):
        Project.objects.create(name=project.name.upper(), kind=project.kind)


def test_database_refuses_two_projects_with_one_container(project):
    with pytest.raises(IntegrityError):
        Project.objects.create(
            name="Other", kind=project.kind, storage_container=project.storage_container
        )


def test_database_refuses_an_unknown_project_kind():
    with pytest.raises(IntegrityError):
        Project.objects.create(name="Odd", kind="regression")


def test_database_refuses_two_documents_with_one_name(project):
    _document(project)
    with pytest.raises(IntegrityError):
        _document(project)


def test_database_refuses_an_empty_document(project):
    with pytest.raises(IntegrityError):
        Document.objects.create(project=project, name="e.txt", text="", content_hash="x")


def test_database_refuses_class_names_differing_only_by_case(project):
    Class.objects.create(project=project, name="Sports")
    with pytest.raises(IntegrityError):
        Class.objects.create(project=project, name="sports")


def test_database_refuses_a_second_exclusive_tag_on_a_document(project):
    document = _document(project)
    first = Class.objects.create(project=project, name="A")
    second = Class.objects.create(project=project, name="B")
    Tag.objects.create(document=document, category=first, exclusive=True)
    with pytest.raises(IntegrityError):
        Tag.objects.create(document=document, category=second, exclusive=True)


def test_database_allows_several_tags_on_a_multi_label_document(multi_project):
    document = _document(multi_project)
    for name in ("A", "B", "C"):
        category = Class.objects.create(project=multi_project, name=name)
        Tag.objects.create(document=document, category=category, exclusive=False)
    assert document.tags.count() == 3


def test_database_refuses_a_second_active_job_in_a_project(project):
    expires = timezone.now()
    TrainingJob.objects.create(project=project, model_name="m1", expires_at=expires)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingJob.objects.create(
            project=project, model_name="m2", status=JobStatus.RUNNING, expires_at=expires
        )
    TrainingJob.objects.filter(project=project).update(status=JobStatus.SUCCEEDED)
    TrainingJob.objects.create(project=project, model_name="m2", expires_at=expires)
