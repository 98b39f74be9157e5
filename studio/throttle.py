"""Throttling of guessing: the page a locked-out sign-in gets, and the count of bad API keys.

Sign-ins are counted by django-axes (settings: AXES_*) in the database. Bad API keys are counted
by django-ratelimit's core function in Redis instead: a key carries no username for axes to lock,
and keys arrive at API rates. A bad key costs django-ratelimit's count (SET NX, then INCR), and
the one that reaches the limit also stores until when its address is locked out. A request with a
key reads that lock-out, and a web process then remembers for a second that the address is not
locked out, so a client polling at API rates costs one GET a second, not one a request. Both
counts live outside the process, so a limit holds however many web processes answer; a lock-out
made in another process takes effect here within that second (made here, at once).
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage
from rest_framework.exceptions import Throttled

from studio.ttl_cache import TtlCache

BAD_KEYS = "bad-api-keys"


def locked_out(request: HttpRequest, *_: object) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: a 429 page (and Retry-After) saying when to retry.

    Axes restarts the cool-off at every attempt made while locked, this one included, so the
    wait is the whole cool-off from now.
    """
    wait = settings.AXES_COOLOFF_TIME
    context = {"minutes": round(wait.total_seconds() / 60), "retry_at": timezone.now() + wait}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(wait.total_seconds()))
    return response


def _address(request: HttpRequest) -> str:
    """What bad keys are counted against: the client's address, an IPv6 one by its /64 (what one
    host is given). A server on a Unix socket gives no REMOTE_ADDR: such requests share one count.
    """
    address = request.META.get("REMOTE_ADDR")
    if not address:
        return "no-address"
    prefix = 64 if ":" in address else 32
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def _locked_out(address: str) -> tuple[BaseCache, str]:
    """Where the time an address is locked out until is kept: beside django-ratelimit's counts,
    in its cache and under its prefix."""
    prefix = getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:")
    return caches[settings.RATELIMIT_USE_CACHE], f"{prefix}{BAD_KEYS}:locked:{address}"


# The lock-out keys read and found absent: not read again for a second.
NOT_LOCKED_FOR_SECONDS = 1.0
_not_locked: TtlCache[str, bool] = TtlCache(NOT_LOCKED_FOR_SECONDS, 10_000)


def refuse_after_bad_keys(request: HttpRequest) -> None:
    """Raise Throttled (429 with Retry-After) once this address sent the limit of bad keys.

    Checked before the key itself, so a key found by guessing does not work either until the
    window has passed.
    """
    cache, key = _locked_out(_address(request))
    until: int | None = None

    def read() -> bool | None:
        nonlocal until
        until = cache.get(key)
        return True if until is None else None  # only "not locked out" is remembered

    if _not_locked.get_or_load(key, read):
        return
    assert until is not None
    wait = max(1, until - int(time.time()))
    raise Throttled(
        wait=wait,
        detail=f"Too many requests with an invalid subscription key from this address. "
        f"Try again in {wait} seconds.",
    )


def count_bad_key(request: HttpRequest) -> None:
    """Count one bad key against the request's address (a fixed window per address), and lock the
    address out for the rest of the window once the count reaches the limit."""
    address = _address(request)
    rate = (settings.STUDIO_API_KEY_FAILURE_LIMIT, settings.STUDIO_API_KEY_FAILURE_WINDOW_SECONDS)
    usage = get_usage(
        request, group=BAD_KEYS, key=lambda group, request: address, rate=rate, increment=True
    )
    if usage is not None and usage["count"] >= usage["limit"]:
        wait = max(1, usage["time_left"])
        cache, key = _locked_out(address)
        cache.set(key, int(time.time()) + wait, wait)
        _not_locked.clear()  # rare: a lock-out made here holds here at once
