"""The Keys and endpoint page: regenerating and revoking a key ask for confirmation first (the
dialog is static/js/confirm.js; tests/e2e/test_users_and_keys.py clicks through it)."""

from __future__ import annotations

import pytest

from studio.models import ApiKey
from studio.services import regenerate_api_key

pytestmark = pytest.mark.django_db


def test_regenerate_and_revoke_forms_ask_first_once_a_key_exists(client, owner):
    client.force_login(owner)
    body = client.get("/keys/").content.decode()
    assert "data-confirm=" not in body.split('id="confirm-form-dialog"')[0]  # generating a key
    regenerate_api_key(user=owner, slot=1)
    body = client.get("/keys/").content.decode()
    assert 'data-confirm-title="Regenerate key 1?"' in body
    assert 'data-confirm-title="Revoke key 1?"' in body
    assert 'id="confirm-form-dialog"' in body
    assert "js/confirm.js" in body


def test_revoke_posts_still_revoke(client, owner):
    regenerate_api_key(user=owner, slot=2)
    client.force_login(owner)
    assert client.post("/keys/2/revoke/").status_code == 302
    assert not ApiKey.objects.filter(user=owner, slot=2).exists()
