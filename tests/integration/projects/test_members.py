"""The Settings page's members: owners add members by username or email, change roles, remove
them and create accounts whose one-time link sets the password; nobody else may."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from projects.models import Membership, Role

pytestmark = pytest.mark.django_db

SETTINGS = "/projects/Reviews/settings/"
ADD = "/projects/Reviews/settings/members/"
CREATE = "/projects/Reviews/settings/members/new/"


def role_of(project, user):
    found = Membership.objects.filter(project=project, user=user).first()
    return found.role if found else None


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_owner_adds_a_member_by_username(client, project, owner, outsider):
    client.force_login(owner)
    response = client.post(ADD, {"who": "oscar", "role": "editor"}, follow=True)
    assert role_of(project, outsider) == Role.EDITOR
    assert "oscar is now editor." in messages_of(response)


def test_owner_adds_a_member_by_email_ignoring_case(client, project, owner, outsider):
    outsider.email = "oscar@example.com"
    outsider.save()
    client.force_login(owner)
    client.post(ADD, {"who": " Oscar@Example.com ", "role": "viewer"})
    assert role_of(project, outsider) == Role.VIEWER


def test_an_unknown_name_adds_nobody_and_says_so(client, project, owner):
    client.force_login(owner)
    response = client.post(ADD, {"who": "nobody", "role": "viewer"}, follow=True)
    assert Membership.objects.filter(project=project).count() == 3
    assert "No account is called 'nobody'" in messages_of(response)[0]


def test_owner_changes_a_members_role(client, project, owner, viewer):
    client.force_login(owner)
    client.post(ADD, {"who": "vera", "role": "owner"})
    assert role_of(project, viewer) == Role.OWNER


def test_the_last_owner_cannot_demote_themselves(client, project, owner):
    client.force_login(owner)
    response = client.post(ADD, {"who": "olivia", "role": "viewer"}, follow=True)
    assert role_of(project, owner) == Role.OWNER
    assert "at least one owner" in messages_of(response)[0]


def test_owner_removes_a_member(client, project, owner, editor):
    client.force_login(owner)
    client.post(f"/projects/Reviews/settings/members/{editor.pk}/remove/")
    assert role_of(project, editor) is None


@pytest.mark.parametrize("who", ["edgar", "vera"])
def test_non_owners_cannot_add_members_or_create_accounts(client, project, who, outsider):
    client.force_login(get_user_model().objects.get(username=who))
    assert client.post(ADD, {"who": "oscar", "role": "owner"}).status_code == 403
    assert client.post(CREATE, new_account("eve")).status_code == 403
    assert role_of(project, outsider) is None
    assert not get_user_model().objects.filter(username="eve").exists()


def test_outsiders_meet_a_404(client, project, outsider):
    client.force_login(outsider)
    assert client.post(ADD, {"who": "oscar", "role": "owner"}).status_code == 404
    assert role_of(project, outsider) is None


def new_account(username, email=None, role="editor"):
    return {"new-username": username, "new-email": email or f"{username}@example.com",
            "new-role": role}  # fmt: skip


def test_owner_creates_an_account_that_joins_with_a_one_time_link(client, project, owner):
    client.force_login(owner)
    response = client.post(CREATE, new_account("eve", role="viewer"), follow=True)
    eve = get_user_model().objects.get(username="eve")
    assert eve.email == "eve@example.com"
    assert not eve.has_usable_password()
    assert role_of(project, eve) == Role.VIEWER
    body = response.content.decode()
    link = re.search(r'id="new-account-link">(http://testserver/[^<]+)<', body).group(1)
    assert "/accounts/set-password/" in link
    # Shown once: the studio keeps no copy.
    assert "new-account-link" not in client.get(SETTINGS).content.decode()

    client.logout()
    page = client.get(link, follow=True)  # Django moves the token into the session
    assert page.status_code == 200
    assert page.context["validlink"]
    password = "a-chosen-password-71"
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302
    signed_in = client.post("/accounts/login/", {"username": "eve", "password": password})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/projects/"
    client.logout()
    assert not client.get(link, follow=True).context["validlink"]  # used: it works once


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (new_account("olivia"), "exists already"),
        (new_account("bad name!", email="b@example.com"), "letters, digits"),
        (new_account("eve", email="not-an-email"), "valid email"),
        (new_account("eve", role="admin"), "Select a valid choice"),
    ],
)
def test_creating_an_account_refuses_bad_or_taken_input(client, project, owner, form, message):
    client.force_login(owner)
    response = client.post(CREATE, form, follow=True)
    assert message in messages_of(response)[0]
    assert get_user_model().objects.count() == 3 + 1  # olivia, edgar, vera; oscar not made


@pytest.fixture(autouse=True)
def _oscar(outsider):
    return outsider


def test_an_email_already_in_use_is_refused(client, project, owner, outsider):
    outsider.email = "eve@example.com"
    outsider.save()
    client.force_login(owner)
    response = client.post(CREATE, new_account("eve"), follow=True)
    assert "email exists already" in messages_of(response)[0]
    assert not get_user_model().objects.filter(username="eve").exists()


def test_settings_page_shows_member_controls_to_owners_only(client, project, owner, viewer):
    client.force_login(owner)
    body = client.get(SETTINGS).content.decode()
    assert 'id="add-member-form"' in body
    assert 'id="create-account-form"' in body
    assert 'data-confirm-title="Remove vera?"' in body
    client.force_login(viewer)
    body = client.get(SETTINGS).content.decode()
    assert 'id="add-member-form"' not in body
    assert 'id="create-account-form"' not in body


def test_the_members_api_keeps_the_last_owner_too(project, owner, client_for):
    response = client_for(owner).put(
        "/api/projects/Reviews/members/olivia", {"role": "editor"}, format="json"
    )
    assert response.status_code == 409
    assert role_of(project, owner) == Role.OWNER
