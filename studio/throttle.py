"""Throttling of guessing: the page a locked-out sign-in gets, and the count of bad API keys.

Sign-ins are counted by django-axes (settings: AXES_*) in the database. Bad API keys are counted
by django-ratelimit's core function in Redis instead: a key carries no username for axes to lock,
and keys arrive at API rates, where one atomic INCR per failure (and nothing per success) costs
far less than axes' database row. Both counts live outside the process, so a limit holds
however many web processes answer.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage
from rest_framework.exceptions import Throttled

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


def _bad_keys(request: HttpRequest, *, increment: bool) -> dict[str, int] | None:
    rate = (settings.STUDIO_API_KEY_FAILURE_LIMIT, settings.STUDIO_API_KEY_FAILURE_WINDOW_SECONDS)
    # ratelimit's "ip" key (IPv6 counted per /64) needs REMOTE_ADDR, which a server on a Unix
    # socket does not give: such requests share one count.
    key = "ip" if request.META.get("REMOTE_ADDR") else (lambda group, request: "no-address")
    return get_usage(request, group=BAD_KEYS, key=key, rate=rate, increment=increment)


def refuse_after_bad_keys(request: HttpRequest) -> None:
    """Raise Throttled (429 with Retry-After) once this address sent the limit of bad keys.

    Checked before the key itself, so a key found by guessing does not work either until the
    window has passed.
    """
    usage = _bad_keys(request, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        wait = max(1, usage["time_left"])
        raise Throttled(
            wait=wait,
            detail=f"Too many requests with an invalid subscription key from this address. "
            f"Try again in {wait} seconds.",
        )


def count_bad_key(request: HttpRequest) -> None:
    """Count one bad key against the request's address (a fixed window per address)."""
    _bad_keys(request, increment=True)
