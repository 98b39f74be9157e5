"""`manage.py create_user` and `create_api_key`: a script gets an account and a working key
without the browser."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_user_prints_a_generated_password_once():
    printed = run("create_user", "bot")
    password = printed.split("Password (shown once): ")[1].strip()
    assert get_user_model().objects.get(username="bot").check_password(password)
    with pytest.raises(CommandError, match="exists already"):
        run("create_user", "bot")


def test_create_api_key_prints_only_a_key_that_authenticates():
    run("create_user", "bot", "--password", "a long pass phrase")
    key = run("create_api_key", "bot").strip()
    client = APIClient()
    answer = client.get(
        "/language/authoring/analyze-text/projects?api-version=2023-04-01",
        HTTP_OCP_APIM_SUBSCRIPTION_KEY=key,
    )
    assert answer.status_code == 200
    assert run("create_api_key", "bot").strip() != key  # a new key replaces the slot's


def test_create_api_key_for_an_unknown_user_fails():
    with pytest.raises(CommandError, match="create_user"):
        run("create_api_key", "nobody")
