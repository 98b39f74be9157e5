import pytest
from django.core.exceptions import ValidationError

from projects.names import (
    check_document_name,
    container_from_name,
    safe_document_name,
    validate_class_name,
    validate_container_name,
    validate_resource_name,
)


@pytest.mark.parametrize("name", ["Reviews", "news_2024", "a.b-c", "X", "a" * 50])
def test_resource_name_accepts_azure_names(name):
    validate_resource_name(name)


@pytest.mark.parametrize(
    "name", ["", "has space", "a" * 51, "émile", "slash/name", "q?", None, ".", "..", "..."]
)
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


@pytest.mark.parametrize("name", ["abc", "reviews", "news-2024", "a1-b2-c3", "x" * 63])
def test_container_name_accepts_azure_container_names(name):
    validate_container_name(name)


@pytest.mark.parametrize(
    "name", ["..", "../../../etc", "ab", "x" * 64, "Reviews", "-abc", "abc-", "a--b", "a_b", "a.b"]
)
def test_container_name_refuses_other_names(name):
    with pytest.raises(ValidationError):
        validate_container_name(name)


def test_container_from_name_follows_the_rule_and_skips_taken_ones():
    assert container_from_name("News_2024..Q1", lambda c: False) == "news-2024-q1"
    assert container_from_name("A", lambda c: False) == "a00"
    assert container_from_name("...", lambda c: False) == "project"
    taken = {"reviews", "reviews-2"}
    assert container_from_name("Reviews", taken.__contains__) == "reviews-3"
    assert container_from_name("x" * 50 + "_", lambda c: False) == "x" * 50


@pytest.mark.parametrize("name", ["a.txt", "billing/17.txt", "in/deep/x y.txt", "é.txt", "...a"])
def test_document_name_accepts_relative_paths(name):
    assert check_document_name(name) is None


@pytest.mark.parametrize(
    "name",
    ["", "x" * 501, "../x.txt", "a/../../x.txt", "./a.txt", "/abs.txt", "a//b.txt", "dir/",
     "..\\..\\w.txt", "C:/w.txt", "c:w.txt", "a\x00.txt", "new\nline.txt", "..", "."],
)  # fmt: skip
def test_document_name_refuses_paths_leaving_the_container(name):
    assert check_document_name(name)


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../x.txt", "x.txt"), ("/abs.txt", "abs.txt"), ("..\\..\\w.txt", "w.txt"),
     ("C:\\dir\\w.txt", "dir/w.txt"), ("a\x00b.txt", "ab.txt"), ("..", "document.txt")],
)  # fmt: skip
def test_safe_document_name_cleans_what_the_rule_refuses(name, safe):
    assert safe_document_name(name) == safe
