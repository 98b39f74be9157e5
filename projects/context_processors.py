"""Template context shared by every project page: the left menu."""

from django.http import HttpRequest

from projects.sections import SECTIONS


def project_sections(request: HttpRequest) -> dict:
    return {"project_sections": SECTIONS}
