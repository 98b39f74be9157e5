"""The data migration that gives projects created before the container rule a valid one."""

from importlib import import_module

import pytest
from django.apps import apps

from projects.models import Project

pytestmark = pytest.mark.django_db

migration = import_module("projects.migrations.0003_project_storage_container_valid")


def test_every_project_gets_a_valid_container_of_its_own(make_project):
    make_project(name="Kept")
    escaping, underscored = make_project(name="Etc"), make_project(name="news_2024")
    Project.objects.filter(pk=escaping.pk).update(storage_container="../../../etc")
    Project.objects.filter(pk=underscored.pk).update(storage_container="news_2024")
    migration.fix_containers(apps, None)
    containers = dict(Project.objects.values_list("name", "storage_container"))
    assert containers == {"Kept": "kept", "Etc": "etc", "news_2024": "news-2024"}
