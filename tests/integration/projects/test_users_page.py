"""The staff's Users page: every account with its projects and roles, activate and deactivate,
and a one-time set-password link; nobody else sees it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

USERS = "/users/"


@pytest.fixture
def staff(make_user):
    user = make_user("stella")
    user.is_staff = True
    user.save()
    return user


def test_staff_see_every_account_with_projects_and_roles(client, project, staff, outsider):
    client.force_login(staff)
    response = client.get(USERS)
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("olivia", "edgar", "vera", "oscar", "stella"):
        assert f'data-user="{name}"' in body
    assert 'href="/projects/Reviews/settings/">Reviews</a> <span class="muted">owner' in body
    assert "never" in body  # nobody here has signed in with a password yet


def test_non_staff_cannot_open_the_users_page_or_act_on_it(client, project, owner, viewer):
    client.force_login(owner)
    assert client.get(USERS).status_code == 403
    assert client.post(f"{USERS}{viewer.pk}/active/", {}).status_code == 403
    assert client.post(f"{USERS}{viewer.pk}/password-link/").status_code == 403
    viewer.refresh_from_db()
    assert viewer.is_active
    assert "/users/" not in client.get("/projects/").content.decode()


def test_anonymous_callers_are_sent_to_sign_in(client):
    response = client.get(USERS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_deactivate_and_activate_an_account(client, staff, viewer):
    client.force_login(staff)
    client.post(f"{USERS}{viewer.pk}/active/", {})
    viewer.refresh_from_db()
    assert not viewer.is_active
    client.post(f"{USERS}{viewer.pk}/active/", {"active": "on"})
    viewer.refresh_from_db()
    assert viewer.is_active


def test_a_deactivated_account_loses_its_session_and_keys(client, staff, viewer, client_for):
    api = client_for(viewer)
    assert api.get("/api/projects").status_code == 200
    own = type(client)()
    own.force_login(viewer)
    client.force_login(staff)
    client.post(f"{USERS}{viewer.pk}/active/", {})
    assert api.get("/api/projects").status_code == 401
    assert own.get("/projects/").status_code == 302  # to the sign-in page


def test_staff_cannot_deactivate_themselves(client, staff):
    client.force_login(staff)
    response = client.post(f"{USERS}{staff.pk}/active/", {}, follow=True)
    staff.refresh_from_db()
    assert staff.is_active
    assert "cannot deactivate your own account" in response.content.decode()


def test_staff_make_a_set_password_link_shown_once(client, staff, viewer):
    client.force_login(staff)
    body = client.post(f"{USERS}{viewer.pk}/password-link/", follow=True).content.decode()
    assert 'id="new-account-link">http://testserver/accounts/set-password/' in body
    assert "Give vera this link" in body
    assert "new-account-link" not in client.get(USERS).content.decode()
    assert get_user_model().objects.get(pk=viewer.pk).check_password("a-good-password-42")


def test_staff_cannot_take_over_an_admin_or_staff_account(client, staff, make_user):
    admin = make_user("ada")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(staff)
    body = client.post(f"{USERS}{admin.pk}/password-link/", follow=True).content.decode()
    assert "Only an admin manages staff and admin accounts." in body
    assert "new-account-link" not in body
    client.post(f"{USERS}{admin.pk}/active/", {})
    admin.refresh_from_db()
    assert admin.is_active


def test_an_admin_manages_staff_accounts(client, staff, make_user):
    admin = make_user("ada")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    client.post(f"{USERS}{staff.pk}/active/", {})
    staff.refresh_from_db()
    assert not staff.is_active
