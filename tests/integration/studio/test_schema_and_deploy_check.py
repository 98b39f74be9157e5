"""The OpenAPI schema builds from the code without warnings; production settings pass Django's
deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_openapi_schema_generates_without_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--file",
         str(tmp_path / "schema.yaml")],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "/api/projects" in (tmp_path / "schema.yaml").read_text()


def test_check_deploy_is_clean_in_a_production_like_configuration(tmp_path):
    env = dict(os.environ)
    env |= {
        "STUDIO_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "p" * 20 + "-production-like-secret-key-" + "q" * 30,
        "DEBUG": "false",
        "STUDIO_HTTPS": "true",
        "ALLOWED_HOSTS": "studio.example.org",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.django_db
def test_api_docs_page_serves_swagger_ui_from_the_studio(client, owner):
    client.force_login(owner)
    html = client.get("/api/docs").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
