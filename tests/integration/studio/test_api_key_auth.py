import pytest
from rest_framework.test import APIClient

from studio.services import regenerate_api_key, revoke_api_key

pytestmark = pytest.mark.django_db

URL = "/api/projects"


def test_request_without_key_gets_401_in_azure_envelope():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Unauthorized"


def test_request_with_wrong_key_gets_401(owner):
    regenerate_api_key(user=owner, slot=1)
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY="0" * 64)
    response = client.get(URL)
    assert response.status_code == 401
    assert "invalid subscription key" in response.json()["error"]["message"]


def test_regenerated_key_replaces_the_old_one(owner):
    old = regenerate_api_key(user=owner, slot=1)
    new = regenerate_api_key(user=owner, slot=1)
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=old)
    assert client.get(URL).status_code == 401
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=new)
    assert client.get(URL).status_code == 200


def test_revoked_key_gets_401(owner):
    key = regenerate_api_key(user=owner, slot=2)
    revoke_api_key(user=owner, slot=2)
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    assert client.get(URL).status_code == 401


def test_both_slots_work_at_once(owner):
    first, second = (regenerate_api_key(user=owner, slot=slot) for slot in (1, 2))
    for key in (first, second):
        client = APIClient()
        client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
        assert client.get(URL).status_code == 200


def test_key_of_an_inactive_user_gets_401(owner):
    key = regenerate_api_key(user=owner, slot=1)
    owner.is_active = False
    owner.save()
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    assert client.get(URL).status_code == 401


def test_keys_are_stored_hashed(owner):
    key = regenerate_api_key(user=owner, slot=1)
    stored = owner.api_keys.get(slot=1)
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.prefix == key[:8]


def test_user_lists_only_projects_they_are_a_member_of(project, make_user, client_for):
    stranger = make_user("sam")
    assert client_for(stranger).get(URL).json() == {"value": []}
    names = [
        p["name"] for p in client_for(project.memberships.first().user).get(URL).json()["value"]
    ]
    assert names == [project.name]


def test_non_member_gets_404_for_a_project(project, outsider, client_for):
    response = client_for(outsider).get(f"{URL}/{project.name}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"


def test_member_reads_a_project_with_a_key(project, viewer, client_for):
    response = client_for(viewer).get(f"{URL}/{project.name}")
    assert response.status_code == 200
    assert response.json()["kind"] == "single_label"


# --- The per-process key cache (studio.auth.key_cache) ---------------------------------------


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    return client


def test_a_key_revoked_in_this_process_stops_working_at_once_even_when_cached(owner):
    key = regenerate_api_key(user=owner, slot=1)
    client = _client(key)
    assert client.get(URL).status_code == 200  # now cached
    revoke_api_key(user=owner, slot=1)
    assert client.get(URL).status_code == 401


def test_a_deactivated_user_is_refused_at_once_even_when_cached(owner):
    client = _client(regenerate_api_key(user=owner, slot=1))
    assert client.get(URL).status_code == 200
    owner.is_active = False
    owner.save()
    assert client.get(URL).status_code == 401


def test_a_key_deleted_by_another_process_stops_working_within_the_cache_time(owner, monkeypatch):
    from django.db import connection

    from studio.auth import KEY_CACHE_SECONDS, key_cache

    client = _client(regenerate_api_key(user=owner, slot=1))
    assert client.get(URL).status_code == 200
    with connection.cursor() as cursor:  # raw SQL: no signal, as if another process revoked it
        cursor.execute("DELETE FROM studio_apikey")
    assert client.get(URL).status_code == 200  # still cached here
    now = key_cache.clock()
    monkeypatch.setattr(key_cache, "clock", lambda: now + KEY_CACHE_SECONDS + 0.01)
    assert client.get(URL).status_code == 401
