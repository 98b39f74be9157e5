"""ASGI entry point: Django for HTTP, Channels for websockets, behind host/origin checks."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
django.setup(set_prefix=False)

from studio.asgi_handler import SyncStackASGIHandler  # noqa: E402

django_application = SyncStackASGIHandler()

# Imported after Django is set up: consumers import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from training.routing import websocket_urlpatterns  # noqa: E402
from training.warmup import start_listener  # noqa: E402

if settings.SERVING_WARMUP:
    # Only web processes import this module: each loads every deployed model in the background
    # and hears about new deployments (training/warmup.py).
    start_listener()

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
