"""Give every project a valid storage container of its own before the unique constraint lands.

A container that breaks Azure's rule, or that an earlier project already holds, is replaced by
one derived from the project's name. Files in the old folder are not moved: the documents' texts
are in the database.
"""

from django.db import migrations

from projects.names import CONTAINER_NAME_RE, container_from_name


def fix_containers(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    taken: set[str] = set()
    for project in Project.objects.order_by("pk"):
        container = project.storage_container
        if not CONTAINER_NAME_RE.fullmatch(container) or container in taken:
            container = container_from_name(project.name, taken.__contains__)
            Project.objects.filter(pk=project.pk).update(storage_container=container)
        taken.add(container)


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_importjob_document_document_project_name_and_more")]

    operations = [migrations.RunPython(fix_containers, migrations.RunPython.noop)]
