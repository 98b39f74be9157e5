"""The project's live job channel: members get a snapshot on connect, then every job event."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import AnonymousUser

from projects.access import socket_project
from studio.errors import StudioError
from training.events import job_group, snapshot

CLOSE_FORBIDDEN = 4403


class JobsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        name = self.scope["url_route"]["kwargs"]["project_name"]
        project = await self._project(name)
        if project is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = job_group(project.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(snapshot)(project.id, project.name))

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content == {"type": "ping"}:
            await self.send_json({"type": "pong"})

    async def job_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    @database_sync_to_async
    def _project(self, name: str):
        user = self.scope.get("user") or AnonymousUser()
        try:
            return socket_project(user, "ws-jobs", name)
        except StudioError:
            return None
