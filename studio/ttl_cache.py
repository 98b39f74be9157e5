"""A small in-process cache with a time limit, for lookups on the serving hot path.

A single-document classify request spends most of its non-model time in SQL (API key, deployment);
those rows change rarely, so each process keeps them for a few seconds. Entries expire on their
own, which bounds how long a change made by *another* process (a revoked key, a redeploy) can go
unnoticed; `clear_on_writes` makes this process's own changes count at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """At most `max_size` entries, each kept `seconds`; the oldest is dropped when full.

    Thread-safe: Daphne runs synchronous views in a thread pool. A generation counter makes a
    `clear()` win over a lookup that started before it, so a load that read the old row cannot
    put it back after the clear.
    """

    def __init__(
        self, seconds: float, max_size: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.max_size = max_size
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0

    def get_or_load(self, key: K, load: Callable[[], V | None]) -> V | None:
        """The cached value for `key`, or `load()`'s (stored unless None: misses are not kept,
        so a key created a moment later is found at once)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > self.clock():
                return entry[1]
            generation = self._generation
        value = load()
        if value is None:
            return None
        with self._lock:
            if generation == self._generation:
                self._entries[key] = (self.clock() + self.seconds, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_size:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def clear_on_writes(self, *sources: type[models.Model], name: str) -> None:
        """Clear the whole cache whenever a row of `sources` is saved or deleted in this process
        (cascades and the admin included): such writes are rare next to lookups. It clears at
        once and again when the transaction commits, since a request that read the old row
        before the commit could otherwise store it again for a few seconds."""

        def forget(**_: object) -> None:
            self.clear()
            transaction.on_commit(self.clear)

        for source in sources:
            uid = f"{name}-{source._meta.label}"
            post_save.connect(forget, sender=source, weak=False, dispatch_uid=f"{uid}-save")
            post_delete.connect(forget, sender=source, weak=False, dispatch_uid=f"{uid}-delete")

    def __len__(self) -> int:
        return len(self._entries)
