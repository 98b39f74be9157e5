"""Every web process loads every deployed model before a request needs it.

Loading a model takes seconds (reading the weights, tracing the encoder), and web processes share
no memory, so each one must load it for itself. A deploy or swap in one process is announced to
all of them, and each web process also loads the deployed models when it starts; the request path
then finds the model in its cache (training.engine.predict.get_classifier), whose per-model lock
makes a request that arrives mid-load wait for that one load instead of starting its own.

The announcement is a Redis pub/sub message, not a channel-layer group: a group needs a channel
per process that someone drains and renews, and a process that dies leaves its channel in the
group until the group expires, where every group_send would still queue a message for it.
Pub/sub reaches exactly the processes subscribed at that moment and keeps nothing for the dead.
A process that misses a message (Redis was down, the process was starting) loads everything
again when it (re)subscribes, and the request path still loads on demand, so nothing depends on a
message arriving.

Loading runs on its own thread, one model at a time, never on a request's thread; failures are
logged, never raised.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import redis
from django.conf import settings
from django.db import close_old_connections, connections, transaction

from studio.heartbeat import redis_client
from training.models import Deployment

logger = logging.getLogger(__name__)

# One short document predicted once after loading: the traced encoder and the inference
# thread's torch state are built on the first prediction, so the user's first one skips that too.
WARM_UP_TEXT = "warm up"
PUBLISH_TIMEOUT_S = 0.3
RECONNECT_MAX_S = 30.0
# Redis pings an idle subscription this often, so a connection lost without a reset is noticed.
HEALTH_CHECK_S = 30


@dataclass(frozen=True)
class Target:
    """What to load: the model a deployment pins, and a label for the log."""

    label: str
    artifact_path: str
    quantize: bool


def target_of(deployment: Deployment) -> Target:
    return Target(
        label=f"{deployment.project.name}/{deployment.name}",
        artifact_path=deployment.artifact_path,
        quantize=deployment.quantize,
    )


def channel() -> str:
    # Under the channel layer's prefix, so two studios (or test runs) on one Redis stay apart.
    return f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}:serving:deployed"


_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-warmup")
_pending: set[tuple[str, bool]] = set()
_pending_lock = threading.Lock()


def warm(target: Target) -> None:
    """Load `target`'s model in this process in the background; returns at once."""
    key = (target.artifact_path, target.quantize)
    with _pending_lock:
        if key in _pending:
            return
        _pending.add(key)
    _loader.submit(_load, target)


def _load(target: Target) -> None:
    from training.engine import inference_thread
    from training.engine.predict import get_classifier

    start = time.perf_counter()
    try:
        classifier = get_classifier(target.artifact_path, quantize=target.quantize)
        inference_thread.run(classifier.predict, [WARM_UP_TEXT])
    except Exception:
        # The request that needs this model will load it again and report the error to its caller.
        logger.warning("Could not load the model of deployment %s", target.label, exc_info=True)
    else:
        logger.info("loaded %s in %.1f s", target.label, time.perf_counter() - start)
    finally:
        with _pending_lock:
            _pending.discard((target.artifact_path, target.quantize))


def loaded_models() -> int:
    """How many models this process holds in memory, for /healthz (a count, nothing named)."""
    # Not imported yet, or still being imported by the loader thread: nothing is loaded.
    cached = getattr(sys.modules.get("training.engine.predict"), "_cached", None)
    return cached.cache_info().currsize if cached is not None else 0


def warming() -> int:
    with _pending_lock:
        return len(_pending)


def announce(deployments: list[Deployment]) -> None:
    """After the caller's transaction commits, load these deployments here (in a web process; a
    script or worker only publishes) and tell every web process to load them. Call it from the
    service that wrote them."""
    targets = [target_of(d) for d in deployments]
    transaction.on_commit(lambda: _load_everywhere(targets))


def _load_everywhere(targets: list[Target]) -> None:
    if _listener is not None:  # a web process: load here even when Redis is down
        for target in targets:
            warm(target)
    client = redis_client(timeout_s=PUBLISH_TIMEOUT_S)
    try:
        client.publish(channel(), json.dumps([asdict(t) for t in targets]))
    except redis.RedisError as exc:
        logger.warning("Other web processes were not told to load the new model: %s", exc)
    finally:
        client.close()


def warm_deployed() -> None:
    """Load the most recently deployed models, as many as the model cache holds (loading more
    would only evict the first ones)."""
    from training.engine.predict import CACHE_SIZE

    try:
        seen: set[tuple[str, bool]] = set()
        rows = Deployment.objects.select_related("project").order_by("-deployed_at")
        for deployment in rows.iterator():
            key = (deployment.artifact_path, deployment.quantize)
            if key not in seen:
                seen.add(key)
                warm(target_of(deployment))
            if len(seen) >= CACHE_SIZE:
                break
    except Exception:
        logger.warning("Could not list the deployments to load", exc_info=True)
    finally:
        connections.close_all()  # this thread's connections only


_listener: threading.Thread | None = None
_listener_lock = threading.Lock()


def start_listener() -> None:
    """Start (once per process) the thread that loads what other processes deploy; call it where
    a web process starts (studio/asgi.py)."""
    global _listener
    with _listener_lock:
        if _listener is None or not _listener.is_alive():
            _listener = threading.Thread(target=_listen, name="model-warmup-listener", daemon=True)
            _listener.start()


def _listen() -> None:
    backoff = 1.0
    while True:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, health_check_interval=HEALTH_CHECK_S
        )
        try:
            with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                pubsub.subscribe(channel())
                backoff = 1.0
                # Subscribed first, so a deploy made while listing is heard, not missed.
                close_old_connections()
                warm_deployed()
                while True:
                    message = pubsub.get_message(timeout=HEALTH_CHECK_S)
                    if message is not None:
                        _handle(message["data"])
        except Exception as exc:
            logger.warning(
                "Model warm-up listener lost Redis (%s); retrying in %.0f s", exc, backoff
            )
        finally:
            client.close()
        time.sleep(backoff)
        backoff = min(backoff * 2, RECONNECT_MAX_S)


def _handle(data: bytes) -> None:
    try:
        targets = [Target(**item) for item in json.loads(data)]
    except (ValueError, TypeError):
        logger.warning("Ignored a malformed model warm-up message: %r", data[:200])
        return
    for target in targets:
        warm(target)
