"""The Data page, its documents table and the data distribution page."""

import pytest

from projects.models import Class, Document, Split, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(project):
    sport = Class.objects.create(project=project, name="Sport", order=0)
    Class.objects.create(project=project, name="Politics", order=1)
    for i in range(60):
        doc = Document.objects.create(
            project=project, name=f"doc-{i:02}.txt", text=f"text number {i}",
            split=Split.TEST if i % 5 == 0 else Split.AUTO,
        )  # fmt: skip
        if i < 12:
            Tag.objects.create(document=doc, category=sport, exclusive=True)
    return project


def test_data_page_states_the_limits_and_lists_classes_with_tag_counts(client, owner, filled):
    client.force_login(owner)
    html = client.get("/projects/Reviews/data/").content.decode()
    assert "128,000 characters" in html
    assert "100,000 documents" in html
    assert "200 per project" in html
    assert 'data-class-name="Sport" data-tag-count="12"' in html
    assert "Drop files here" in html
    assert "export?format=azure" in html


def test_documents_table_pages_without_counting(client, owner, filled):
    client.force_login(owner)
    html = client.get("/projects/Reviews/data/").content.decode()
    assert "doc-00.txt" in html
    assert "doc-49.txt" in html
    assert "doc-50.txt" not in html
    assert 'rel="next"' in html
    html = client.get("/projects/Reviews/data/?page=2").content.decode()
    assert "doc-50.txt" in html
    assert 'rel="next"' not in html
    assert 'rel="prev"' in html


def test_documents_table_filters_searches_and_sorts(client, owner, filled):
    client.force_login(owner)
    html = client.get("/projects/Reviews/data/?show=untagged&split=test").content.decode()
    assert "doc-15.txt" in html
    assert "doc-10.txt" not in html
    assert "doc-16.txt" not in html
    html = client.get("/projects/Reviews/data/?search=number 7").content.decode()
    assert "doc-07.txt" in html
    assert "doc-08.txt" not in html
    html = client.get("/projects/Reviews/data/?sort=-name").content.decode()
    assert html.index("doc-59.txt") < html.index("doc-58.txt")


def test_viewer_sees_no_upload_or_bulk_actions(client, viewer, filled):
    client.force_login(viewer)
    html = client.get("/projects/Reviews/data/").content.decode()
    assert "Drop files here" not in html
    assert "data-bulk-bar" not in html
    assert "doc-00.txt" in html


def test_distribution_counts_per_class_and_split_with_warnings(client, owner, filled):
    client.force_login(owner)
    response = client.get("/projects/Reviews/data/distribution/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Politics has no tagged documents" in html
    assert "48 documents have no class yet" in html
    assert "chart-4.6.1.umd.min.js" in html
    dist = response.context["distribution"]
    sport = dist["classes"][0]
    assert (sport["test"], sport["auto"], sport["total"]) == (3, 9, 12)


def test_distribution_warns_about_imbalance(client, owner, project):
    big = Class.objects.create(project=project, name="Big")
    small = Class.objects.create(project=project, name="Small")
    for i in range(110):
        doc = Document.objects.create(project=project, name=f"{i}.txt", text="t")
        Tag.objects.create(document=doc, category=big if i < 100 else small, exclusive=True)
    client.force_login(owner)
    html = client.get("/projects/Reviews/data/distribution/").content.decode()
    assert "very unbalanced" in html


def test_overview_goes_to_the_data_page(client, owner, project):
    client.force_login(owner)
    response = client.get("/projects/Reviews/")
    assert response.url == "/projects/Reviews/data/"
