"""The project's job websocket: members get a snapshot then events; others are refused."""

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from training.events import broadcast
from training.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def _session_cookie(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}"


def _communicator(project_name, cookie):
    app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return WebsocketCommunicator(app, f"/ws/projects/{project_name}/jobs/", headers=headers)


async def test_member_receives_snapshot_then_broadcast_events(project, viewer):
    communicator = _communicator(project.name, await _session_cookie(viewer))
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert snapshot["project"] == {"id": project.id, "name": project.name}
    await sync_to_async(broadcast)(project.id, {"type": "job.progress", "percent": 42})
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "job.progress",
        "percent": 42,
    }
    await communicator.disconnect()


async def test_non_member_is_refused(project, outsider):
    communicator = _communicator(project.name, await _session_cookie(outsider))
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403
    await communicator.disconnect()


async def test_anonymous_visitor_is_refused(project):
    communicator = _communicator(project.name, None)
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_events_of_another_project_do_not_arrive(make_project, project, viewer):
    other = await sync_to_async(make_project)(name="Other")
    communicator = _communicator(project.name, await _session_cookie(viewer))
    await communicator.connect()
    await communicator.receive_json_from(timeout=5)
    await sync_to_async(broadcast)(other.id, {"type": "job.progress", "percent": 1})
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()
