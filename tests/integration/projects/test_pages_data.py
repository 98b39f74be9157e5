"""The Data page, its documents table and the data distribution page."""

import json
import re
from html import unescape

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


def test_documents_table_leaves_out_a_class_the_api_refuses_and_says_why(
    client, client_for, owner, filled
):
    refused = client_for(owner).get("/api/projects/Reviews/documents", {"class": "999999"})
    assert refused.status_code == 400
    client.force_login(owner)
    response = client.get("/projects/Reviews/data/?show=class:999999&split=test")
    html = unescape(response.content.decode())
    assert refused.json()["error"]["message"] in html
    assert response.context["filter"]["query"] == {"split": "test"}
    assert "doc-05.txt" in html
    assert "doc-06.txt" not in html


def test_documents_table_sorts_by_the_api_keys_and_old_links_still_work(client, owner, filled):
    client.force_login(owner)
    for sort in ("-created", "newest"):
        html = client.get(f"/projects/Reviews/data/?sort={sort}").content.decode()
        assert html.index("doc-59.txt") < html.index("doc-58.txt")
        assert 'value="-created" selected' in html
    api_sorts = {"created", "-created", "name", "-name"}
    assert {key for key, _ in client.get("/projects/Reviews/data/").context["sorts"]} == api_sorts


def test_documents_table_falls_back_to_the_oldest_first_on_an_unknown_sort(
    client, client_for, owner, filled
):
    refused = client_for(owner).get("/api/projects/Reviews/documents", {"sort": "size"})
    client.force_login(owner)
    html = unescape(client.get("/projects/Reviews/data/?sort=size").content.decode())
    assert refused.json()["error"]["message"] in html
    assert html.index("doc-00.txt") < html.index("doc-01.txt")


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


def distribution_shown(html):
    """The figures the page's chart draws and the warnings it lists, as the page holds them."""
    found = re.search(
        r'<script id="distribution-data" type="application/json">(.*?)</script>', html
    )
    warnings = re.findall(r'<li class="message message-warning">(.*?)</li>', html)
    return json.loads(found.group(1)), [unescape(w) for w in warnings]


@pytest.mark.parametrize(("few", "unbalanced"), [(10, False), (9, True)])
def test_distribution_page_shows_the_api_figures_and_warnings(
    client, client_for, owner, project, few, unbalanced
):
    """100 tags against 10 is ten times as many, not more, so only 9 makes them unbalanced."""
    big = Class.objects.create(project=project, name="Big", order=0)
    small = Class.objects.create(project=project, name="Small", order=1)
    for i in range(100 + few + 3):
        split = Split.TRAIN if i % 2 else Split.AUTO
        doc = Document.objects.create(project=project, name=f"{i}.txt", text="t", split=split)
        if i < 100 + few:
            Tag.objects.create(document=doc, category=big if i < 100 else small, exclusive=True)
    client.force_login(owner)
    response = client.get("/projects/Reviews/data/distribution/")
    api = client_for(owner).get("/api/projects/Reviews/distribution").json()
    html = response.content.decode()
    chart, warnings = distribution_shown(html)
    assert chart == api
    assert warnings == api["warnings"]
    for row in [*api["classes"], api["untagged"]]:
        cells = "".join(f'<td class="num">{row[split]}</td>' for split in ("train", "test", "auto"))
        assert cells in html
    assert ("very unbalanced" in " ".join(warnings)) is unbalanced
    assert warnings[-1] == "3 documents have no class yet; training skips them."


def test_overview_goes_to_the_data_page(client, owner, project):
    client.force_login(owner)
    response = client.get("/projects/Reviews/")
    assert response.url == "/projects/Reviews/data/"
