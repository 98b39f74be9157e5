"""The Redis cache backend with one connection pool per process.

Django makes a cache object per async context, and under ASGI every request is a context of its
own, so the stock backend opens a new Redis connection (connect, HELLO, health check) for every
request that touches the cache: the throttle's check does on every API call. This backend shares
one client, and with it one pool of open connections, between all the cache objects of a process
that name the same servers and options.
"""

from __future__ import annotations

import threading
from functools import cached_property

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple[tuple[str, ...], str], RedisCacheClient] = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            if key not in _clients:
                _clients[key] = self._class(self._servers, **self._options)
            return _clients[key]
