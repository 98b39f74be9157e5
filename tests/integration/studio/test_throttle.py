"""Throttling: sign-ins per account and per address (django-axes), bad API keys per address."""

import time

import pytest
from django.conf import settings
from django.core.cache import caches
from rest_framework.test import APIClient

from studio import throttle
from studio.services import regenerate_api_key

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "a-good-password-42"


def sign_in(client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_right_password_after_100_wrong_ones_is_refused(client, owner):
    # Each guess from another address: only the account's own count can stop them.
    for i in range(100):
        sign_in(client, "olivia", f"guess-{i}", f"10.0.{i // 200}.{i % 200 + 1}")
    response = sign_in(client, "olivia", PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert "Try again in 15 minutes" in response.content.decode()
    assert client.get("/projects/").status_code == 302


def test_many_wrong_passwords_from_one_address_lock_that_address(client, owner):
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"user-{i}", "guess", "10.1.1.1")
    assert sign_in(client, "olivia", PASSWORD, "10.1.1.1").status_code == 429
    assert sign_in(client, "olivia", PASSWORD, "10.2.2.2").status_code == 302


def test_bad_api_keys_lock_the_address_out_even_with_a_valid_key(owner):
    key = regenerate_api_key(user=owner, slot=1)
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY="0" * 64)
    for _ in range(settings.STUDIO_API_KEY_FAILURE_LIMIT):
        assert client.get("/api/projects").status_code == 401
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    response = client.get("/api/projects")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "TooManyRequests"
    assert 0 < int(response["Retry-After"]) <= settings.STUDIO_API_KEY_FAILURE_WINDOW_SECONDS
    assert client.get("/api/projects", REMOTE_ADDR="10.3.3.3").status_code == 200


def test_bad_keys_without_a_client_address_are_counted_not_a_500(owner):
    """A server on a Unix socket gives no REMOTE_ADDR; such callers share one count."""
    client = APIClient(REMOTE_ADDR=None)
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY="1" * 64)
    statuses = [client.get("/api/projects").status_code for _ in range(21)]
    assert statuses[0] == 401
    assert statuses[-1] == 429


def test_good_keys_cost_one_read_of_the_throttle_a_second_and_no_write(owner, monkeypatch):
    key = regenerate_api_key(user=owner, slot=1)
    cache = caches[settings.RATELIMIT_USE_CACHE]
    reads = []
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: reads.append(args) or None)
    for write in ("add", "set", "incr"):
        monkeypatch.setattr(cache, write, lambda *args, **kwargs: pytest.fail("a write"))
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    for _ in range(5):
        assert client.get("/api/projects").status_code == 200
    assert len(reads) == 1
    time.sleep(throttle.NOT_LOCKED_FOR_SECONDS)
    assert client.get("/api/projects").status_code == 200
    assert len(reads) == 2


def test_a_lock_out_made_in_another_process_holds_here_within_a_second(owner):
    """Another web process locks the address (it writes the lock-out to the shared cache); this
    one, which read "not locked" a moment ago, refuses the address once its second is over."""
    key = regenerate_api_key(user=owner, slot=1)
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    assert client.get("/api/projects").status_code == 200
    cache, lock_key = throttle._locked_out("127.0.0.1")
    cache.set(lock_key, int(time.time()) + 60, 60)
    time.sleep(throttle.NOT_LOCKED_FOR_SECONDS)
    assert client.get("/api/projects").status_code == 429


def test_bad_keys_from_ipv6_addresses_count_against_their_64(owner, settings):
    settings.STUDIO_API_KEY_FAILURE_LIMIT = 3
    key = regenerate_api_key(user=owner, slot=1)
    client = APIClient()
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY="2" * 64)
    for host in ("2001:db8::1", "2001:db8::2", "2001:db8::3"):
        assert client.get("/api/projects", REMOTE_ADDR=host).status_code == 401
    client.credentials(HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    assert client.get("/api/projects", REMOTE_ADDR="2001:db8::ff").status_code == 429
    assert client.get("/api/projects", REMOTE_ADDR="2001:db8:0:1::1").status_code == 200
