"""Schemathesis fuzzes every operation of the OpenAPI schema in-process, through Django's full
middleware stack: no 5xx, and every answer matches the schema's media type and shape.

The seed and the per-operation budget are fixed, so each run sends the same requests (about
1,800 in all). Path parameters mostly name a seeded project's real classes, documents and
members, so the fuzzer gets past the 404s into the views.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from projects.models import ProjectKind, Role
from projects.services import create_class, create_document, create_project, set_member
from studio.services import regenerate_api_key

SEED = 20240515
EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# With sequences reset before each test, the seeded rows get these ids.
SEEDED = {
    "project_name": ["reviews"],
    "class_id": [1, 2, 3],
    "document_id": [1, 2, 3, 4, 5, 6],
    "username": ["olivia", "edgar"],
}

# The document /api/schema serves. Loaded at import, as pytest needs the operations to collect
# them; schemathesis' lazy fixture loader does not run under pytest 9.2.
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "database": "none",
                # The valid key goes with every call: wrong keys would trip the key throttle.
                "with-security-parameters": False,
            },
            # Coverage and stateful phases would multiply the budget; examples and fuzzing
            # keep it fixed.
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "dictionaries": {name: {"values": values} for name, values in SEEDED.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": 0.8} for name in SEEDED
            },
        }
    ),
)
schema.app = get_wsgi_application()


@pytest.fixture
def api_key(django_db_reset_sequences, django_user_model) -> str:
    """The owner's key, for a project with classes, tagged documents and an editor. The users
    have no password: hashing one costs more than an operation's requests."""
    owner = django_user_model.objects.create_user("olivia")
    editor = django_user_model.objects.create_user("edgar")
    project = create_project(owner=owner, name="reviews", kind=ProjectKind.MULTI_LABEL)
    set_member(project=project, user=editor, role=Role.EDITOR)
    classes = [create_class(project, name) for name in ("positive", "negative", "neutral")]
    for i in range(6):
        create_document(
            project, name=f"doc-{i}.txt", text=f"Review {i}", classes=classes[: i % 3], user=owner
        )
    return regenerate_api_key(user=owner, slot=1)


@pytest.mark.slow
@schema.parametrize()
# The seeded project is shared by an operation's examples on purpose: seeding it per example
# would cost more than the requests.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_without_server_errors_and_as_the_schema_says(case, api_key):
    case.call_and_validate(
        headers={"Ocp-Apim-Subscription-Key": api_key},
        checks=CHECKS,
        # A TCP server always sets the client's address; Werkzeug's test client does not.
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
