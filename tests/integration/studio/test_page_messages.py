"""Django's messages are set up for pages and skipped for API requests."""

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import RequestFactory

from studio.page_messages import PageMessageMiddleware


def served(path: str):
    request = RequestFactory().get(path)
    request.session = {}
    PageMessageMiddleware(lambda r: HttpResponse())(request)
    return request


def test_pages_get_message_storage():
    request = served("/projects/")
    assert list(get_messages(request)) == []
    assert hasattr(request, "_messages")


def test_api_requests_skip_it():
    for path in ("/api/projects", "/language/authoring/analyze-text/projects"):
        assert not hasattr(served(path), "_messages")
