"""The demo project: the service is idempotent, the button and the command create it once."""

import pytest
from django.core.management import call_command

from projects.demo import DEMO_PROJECT_NAME, TICKETS, UNTAGGED_PER_CLASS, create_demo_project
from projects.models import Class, Document, Membership, Project, Role, Tag
from projects.readiness import FEW_TAGS

pytestmark = pytest.mark.django_db


def test_demo_project_is_single_label_english_with_tagged_and_untagged_tickets(owner):
    project, created = create_demo_project(owner=owner)
    assert created
    assert project.name == DEMO_PROJECT_NAME
    assert (project.kind, project.language) == ("single_label", "en")
    assert Class.objects.filter(project=project).count() == 5
    total = sum(len(texts) for texts in TICKETS.values())
    documents = Document.objects.filter(project=project)
    assert documents.count() == total == 85
    tagged = documents.filter(tags__isnull=False).distinct().count()
    assert tagged == total - UNTAGGED_PER_CLASS * len(TICKETS) == 75
    assert set(documents.values_list("split", flat=True)) == {"auto"}
    # Every class has the FEW_TAGS tagged documents that the readiness rule asks for, so no page
    # calls the demo's classes too few.
    for category in Class.objects.filter(project=project):
        assert Tag.objects.filter(category=category).count() == 15 == FEW_TAGS
    assert Membership.objects.get(project=project, user=owner).role == Role.OWNER


def test_creating_the_demo_twice_changes_nothing(owner):
    first, _ = create_demo_project(owner=owner)
    Tag.objects.filter(document__project=first).first().delete()  # the user's own work is kept
    again, created = create_demo_project(owner=owner)
    assert not created
    assert again.pk == first.pk
    assert Project.objects.count() == 1
    assert Document.objects.filter(project=first).count() == 85
    assert Tag.objects.filter(document__project=first).count() == 74


def test_another_user_gets_a_demo_of_their_own(owner, outsider):
    create_demo_project(owner=owner)
    theirs, created = create_demo_project(owner=outsider)
    assert created
    assert theirs.name == f"{DEMO_PROJECT_NAME}-oscar"
    assert Membership.objects.filter(project__name=DEMO_PROJECT_NAME, user=outsider).count() == 0


def test_project_list_offers_the_demo_button(client, owner):
    client.force_login(owner)
    html = client.get("/projects/").content.decode()
    assert 'action="/projects/new/demo/"' in html
    assert "Open a demo project" in html


def test_demo_button_creates_the_project_and_opens_it(client, owner):
    client.force_login(owner)
    response = client.post("/projects/new/demo/")
    assert response.status_code == 302
    assert response.url == f"/projects/{DEMO_PROJECT_NAME}/"
    response = client.post("/projects/new/demo/")  # pressed again: same project, no error
    assert response.url == f"/projects/{DEMO_PROJECT_NAME}/"
    assert Project.objects.filter(name=DEMO_PROJECT_NAME).count() == 1


def test_demo_button_needs_post_and_a_signed_in_user(client, owner):
    assert client.post("/projects/new/demo/").status_code == 302  # to the sign-in page
    assert not Project.objects.exists()
    client.force_login(owner)
    assert client.get("/projects/new/demo/").status_code == 405


def test_demo_command_uses_the_first_superuser_and_is_idempotent(django_user_model):
    admin = django_user_model.objects.create_superuser(username="admin", password="x-pass-123")
    call_command("demo_project")
    call_command("demo_project")
    project = Project.objects.get()
    assert Membership.objects.get(project=project).user == admin
    assert Document.objects.filter(project=project).count() == 85
