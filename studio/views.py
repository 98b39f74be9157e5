"""Studio-wide pages: home, keys and endpoint, setting a password from a one-time link, and the
health check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from studio import services
from studio.errors import StudioError
from studio.health import health
from studio.models import ApiKey


def home(request: HttpRequest) -> HttpResponse:
    return redirect("projects:list" if request.user.is_authenticated else "login")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def keys(request: HttpRequest) -> HttpResponse:
    stored = {key.slot: key for key in ApiKey.objects.filter(user=request.user)}
    new_key = request.session.pop("new_api_key", None)
    slots = [
        {
            "slot": slot,
            "key": stored.get(slot),
            "new": new_key if new_key and new_key["slot"] == slot else None,
        }
        for slot in services.KEY_SLOTS
    ]
    endpoint = request.build_absolute_uri("/").rstrip("/")
    return render(request, "studio/keys.html", {"slots": slots, "endpoint": endpoint})


@require_POST
def key_regenerate(request: HttpRequest, slot: int) -> HttpResponse:
    try:
        raw = services.regenerate_api_key(user=request.user, slot=slot)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        # Shown on the next page load only: the studio keeps just its hash.
        request.session["new_api_key"] = {"slot": slot, "key": raw}
    return redirect("keys")


@require_POST
def key_revoke(request: HttpRequest, slot: int) -> HttpResponse:
    services.revoke_api_key(user=request.user, slot=slot)
    messages.success(request, f"Key {slot} revoked: requests using it are now refused.")
    return redirect("keys")


class PasswordSetView(PasswordResetConfirmView):
    """A new account's (or a staff-made) one-time link: its owner chooses a password, then
    signs in. Django checks the token; it stops working once the password is set."""

    template_name = "registration/password_set.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        messages.success(self.request, "Password set: sign in with it.")
        return super().form_valid(form)
