"""The Content-Security-Policy blocks nothing the studio's own pages need, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import seed_project

pytestmark = pytest.mark.e2e

# Runs in every page before its own scripts; init scripts are not subject to the page's CSP.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""
PAGES = [
    "data/",
    "data/distribution/",
    "tag/",
    "train/",
    "performance/",
    "deploy/",
    "test/",
    "settings/",
]


def test_main_pages_and_the_api_page_report_no_csp_violation(page, studio):
    seed_project(studio, "CspPages", {"good": ["fine", "great"], "bad": ["awful", "poor"]})
    problems: list[str] = []
    page.on(
        "console", lambda message: problems.append(message.text) if "CSP" in message.text else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.context.add_init_script(REPORT_VIOLATIONS)
    for url in [
        "/projects/",
        "/keys/",
        "/users/",
        *(f"/projects/CspPages/{path}" for path in PAGES),
    ]:
        page.goto(url, wait_until="networkidle")
    page.goto("/api/docs", wait_until="networkidle")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert problems == []
