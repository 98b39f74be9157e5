"""The studio data API: the permission matrix, the shapes the pages use, and bad input as 4xx."""

from __future__ import annotations

import io
import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from projects import services
from projects.models import Document, Tag


@pytest.fixture
def data(project):
    a = services.create_class(project, "A")
    b = services.create_class(project, "B")
    docs = [services.create_document(project, name=f"{i}.txt", text=f"text {i}") for i in range(3)]
    return {"a": a.pk, "b": b.pk, "doc": docs[0].pk, "doc2": docs[1].pk}


# (method, path, body, the lowest role allowed)
ROUTES = [
    ("get", "classes", None, "viewer"),
    ("post", "classes", {"name": "New"}, "editor"),
    ("patch", "classes/{a}", {"colour": "#000000"}, "editor"),
    ("post", "classes/reorder", {"ids": ["{b}", "{a}"]}, "editor"),
    ("post", "classes/merge", {"source": "{a}", "target": "{b}"}, "owner"),
    ("delete", "classes/{a}", None, "owner"),
    ("get", "documents", None, "viewer"),
    ("post", "documents", {"name": "n.txt", "text": "t"}, "editor"),
    ("get", "documents/{doc}", None, "viewer"),
    ("patch", "documents/{doc}", {"split": "test"}, "editor"),
    ("delete", "documents/{doc}", None, "owner"),
    ("put", "documents/{doc}/tags", {"classes": ["{a}"]}, "editor"),
    ("post", "documents/{doc}/tags", {"class": "{a}"}, "editor"),
    ("post", "documents/bulk", {"action": "tag", "ids": ["{doc}"], "class": "{a}"}, "editor"),
    ("post", "documents/bulk", {"action": "delete", "ids": ["{doc2}"]}, "owner"),
    ("post", "imports", {"documents": [{"name": "x", "text": "y"}]}, "editor"),
    ("get", "export", None, "viewer"),
    ("get", "distribution", None, "viewer"),
    ("get", "members", None, "owner"),
    ("put", "members/vera", {"role": "viewer"}, "owner"),
]
RANK = {"outsider": 0, "viewer": 1, "editor": 2, "owner": 3}
SUCCESS = {"get": 200, "post": (200, 201), "patch": 200, "put": 200, "delete": (200, 204)}


def fill(value, ids):
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    return value


@pytest.mark.parametrize(("method", "path", "body", "needs"), ROUTES)
def test_permission_matrix(request, project, data, method, path, body, needs):
    """Each role tries the route; each try is rolled back so the next one meets the same data."""
    url = f"/api/projects/{project.name}/" + path.format(**data)
    for who in ("outsider", "viewer", "editor", "owner"):
        # Session-style authentication keeps this fast; API keys are tested below and elsewhere.
        client = APIClient()
        client.force_authenticate(request.getfixturevalue(who))
        with transaction.atomic():
            response = getattr(client, method)(url, fill(body, data), format="json")
            transaction.set_rollback(True)
        if who == "outsider":
            assert response.status_code == 404, who
        elif RANK[who] < RANK[needs]:
            assert response.status_code == 403, who
        else:
            expected = SUCCESS[method]
            allowed = expected if isinstance(expected, tuple) else (expected,)
            assert response.status_code in allowed, (who, response.content)
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message"}


def test_documents_list_filters_and_cursor(client_for, editor, project, data):
    client = client_for(editor)
    base = f"/api/projects/{project.name}"
    tags_url = f"{base}/documents/{data['doc']}/tags"
    saved = client.put(tags_url, {"classes": [data["b"]]}, format="json").json()
    assert saved == {"id": data["doc"], "classes": [data["b"]]}
    page = client.get(f"{base}/documents", {"limit": 2, "sort": "name"}).json()
    assert [d["name"] for d in page["value"]] == ["0.txt", "1.txt"]
    assert page["value"][0]["classes"] == [data["b"]]
    rest = client.get(f"{base}/documents", {"limit": 2, "sort": "name", "cursor": page["next"]})
    assert [d["name"] for d in rest.json()["value"]] == ["2.txt"]
    assert rest.json()["next"] is None
    untagged = client.get(f"{base}/documents", {"untagged": "true"}).json()["value"]
    assert [d["name"] for d in untagged] == ["1.txt", "2.txt"]
    full = client.get(f"{base}/documents/{data['doc']}").json()
    assert full["text"] == "text 0"
    assert full["split"] == "auto"


def test_import_upload_answers_with_the_report(client_for, editor, project):
    client = client_for(editor)
    upload = io.BytesIO(b"text,label\nHello,A\n,A\n")
    upload.name = "x.csv"
    binary = io.BytesIO(b"\x00\x01")
    binary.name = "b.txt"
    response = client.post(
        f"/api/projects/{project.name}/imports",
        {"files": [upload, binary], "duplicates": "skip"},
        format="multipart",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["imported"] == 1
    assert sorted(e["file"] for e in body["errors"]) == ["b.txt", "x.csv"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "classes", {"name": "bad/name"}, 400),
        ("post", "classes", {"name": "A"}, 409),
        ("patch", "classes/999999", {"name": "x"}, 404),
        ("put", "documents/{doc}/tags", {"classes": [999999]}, 404),
        ("put", "documents/{doc}/tags", {"classes": ["{a}", "{b}"]}, 400),
        ("patch", "documents/{doc}", {"split": "later"}, 400),
        ("post", "documents/bulk", {"action": "explode", "ids": []}, 400),
        (
            "post",
            "documents/bulk",
            {"action": "tag", "filter": {"class": "x"}, "class": "{a}"},
            400,
        ),
        ("get", "documents?class=999999", None, 400),
        ("get", "documents?tagged=true&untagged=true", None, 400),
        ("get", "documents?split=later", None, 400),
        ("get", "documents?cursor=garbage", None, 400),
        ("get", "documents?sort=size", None, 400),
        ("get", "export?format=pdf", None, 400),
        ("post", "imports", {}, 400),
        ("post", "imports?duplicates=maybe", {"documents": []}, 400),
        ("get", "imports/00000000-0000-0000-0000-000000000000", None, 404),
    ],
)
def test_bad_input_is_a_4xx_envelope(client_for, owner, project, data, method, path, body, status):
    client = client_for(owner)
    url = f"/api/projects/{project.name}/" + path.format(**data)
    response = getattr(client, method)(url, fill(body, data), format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["message"]


def test_bad_json_body_is_a_400(client_for, editor, project):
    response = client_for(editor).generic(
        "POST", f"/api/projects/{project.name}/imports", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequest"


@pytest.mark.django_db(transaction=True)
def test_single_label_keeps_one_tag_under_concurrent_requests(client_for, editor, owner, project):
    classes = [services.create_class(project, f"C{i}").pk for i in range(4)]
    doc = services.create_document(project, name="race.txt", text="contested")
    clients = [client_for(editor), client_for(owner)] * 4
    url = f"/api/projects/{project.name}/documents/{doc.pk}/tags"
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def tag(client, index: int) -> None:
        try:
            barrier.wait()
            for round_ in range(5):
                body = {"class": classes[(index + round_) % len(classes)]}
                if (index + round_) % 2:
                    response = client.post(url, body, format="json")
                else:
                    response = client.put(url, {"classes": [body["class"]]}, format="json")
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=tag, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) == {200}
    assert Tag.objects.filter(document=doc).count() == 1
    assert Document.objects.count() == 1
