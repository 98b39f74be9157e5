import pytest
from django.core.exceptions import ValidationError

from projects.names import validate_class_name, validate_resource_name


@pytest.mark.parametrize("name", ["Reviews", "news_2024", "a.b-c", "X", "a" * 50])
def test_resource_name_accepts_azure_names(name):
    validate_resource_name(name)


@pytest.mark.parametrize("name", ["", "has space", "a" * 51, "émile", "slash/name", "q?", None])
def test_resource_name_refuses_other_names(name):
    with pytest.raises(ValidationError):
        validate_resource_name(name)


@pytest.mark.parametrize("name", ["Sports", "Sci Tech", "a@b", "[x]", "x.y,z", "x" * 50])
def test_class_name_accepts_azure_class_names(name):
    validate_class_name(name)


@pytest.mark.parametrize("name", ["", " ", " lead", "trail ", "a:b", "a/b", "50%", "C#", "x" * 51])
def test_class_name_refuses_forbidden_characters_and_lengths(name):
    with pytest.raises(ValidationError):
        validate_class_name(name)
