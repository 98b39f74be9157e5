import pytest

from projects.models import Membership, ProjectKind, Role
from projects.services import create_project
from studio.errors import Conflict, ValidationError

pytestmark = pytest.mark.django_db


def test_create_project_makes_the_creator_owner(owner):
    project = create_project(owner=owner, name="Reviews", kind=ProjectKind.SINGLE_LABEL)
    assert Membership.objects.get(project=project, user=owner).role == Role.OWNER
    assert project.storage_container == "reviews"


def test_create_project_refuses_an_invalid_name(owner):
    with pytest.raises(ValidationError) as error:
        create_project(owner=owner, name="my project", kind=ProjectKind.SINGLE_LABEL)
    assert "no spaces" in error.value.message


def test_create_project_refuses_a_duplicate_name(owner):
    create_project(owner=owner, name="Reviews", kind=ProjectKind.SINGLE_LABEL)
    with pytest.raises(Conflict):
        create_project(owner=owner, name="Reviews", kind=ProjectKind.MULTI_LABEL)


def test_create_project_refuses_a_name_differing_only_by_case(owner):
    create_project(owner=owner, name="Reviews", kind=ProjectKind.SINGLE_LABEL)
    with pytest.raises(Conflict):
        create_project(owner=owner, name="REVIEWS", kind=ProjectKind.SINGLE_LABEL)


def test_create_project_refuses_an_unknown_kind(owner):
    with pytest.raises(ValidationError):
        create_project(owner=owner, name="Reviews", kind="sentiment")
