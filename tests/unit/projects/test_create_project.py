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


@pytest.mark.parametrize("container", ["../../../etc", "..", "Reviews", "a_b"])
def test_create_project_refuses_a_container_breaking_azures_rule(owner, container):
    with pytest.raises(ValidationError) as error:
        create_project(
            owner=owner, name="Reviews", kind=ProjectKind.SINGLE_LABEL, storage_container=container
        )
    assert error.value.target == "storage_container"
    assert "3 to 63 lowercase letters" in error.value.message


def test_create_project_refuses_another_projects_container(owner):
    create_project(owner=owner, name="Reviews", kind=ProjectKind.SINGLE_LABEL)
    with pytest.raises(Conflict) as error:
        create_project(
            owner=owner, name="Other", kind=ProjectKind.SINGLE_LABEL, storage_container="reviews"
        )
    assert "belongs to another project" in error.value.message


def test_create_project_derives_a_free_container_from_the_name(owner):
    create_project(
        owner=owner, name="First", kind=ProjectKind.SINGLE_LABEL, storage_container="news-2024"
    )
    project = create_project(owner=owner, name="News_2024", kind=ProjectKind.SINGLE_LABEL)
    assert project.storage_container == "news-2024-2"


@pytest.mark.parametrize("name", ["..", ".", "..."])
def test_create_project_refuses_a_name_of_dots_only(owner, name):
    with pytest.raises(ValidationError):
        create_project(owner=owner, name=name, kind=ProjectKind.SINGLE_LABEL)
