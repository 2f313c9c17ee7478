"""Swagger UI and ReDoc render the API's operations in a real browser, under the site's CSP.

The policy allows scripts and styles from 'self' only; a page that inlines a script, a style or
loads anything from a CDN shows up as a "Content Security Policy" error in the console, or as a
``securitypolicyviolation`` event, and fails here.
"""

import os
import tempfile
from pathlib import Path

import pytest

# Screenshots for a human to look at: /tmp/api-swagger-ui.png and /tmp/api-redoc.png.
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Runs before any page script (Playwright injects it outside the page's CSP): records every violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def csp_problems(page) -> list[str]:
    console = [text for text in page.console_errors if "Content Security Policy" in text]
    return console + page.evaluate("window.__cspViolations")


def test_swagger_ui_lists_the_operations_without_a_csp_violation(page, live_server):
    # Given an anonymous visitor (the docs hold no data, like the schema)
    page.add_init_script(RECORD_VIOLATIONS)

    # When they open Swagger UI
    response = page.goto(f"{live_server.url}/api/docs/")

    # Then the page is served under the strict policy, with no CDN
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "unsafe-inline" not in policy

    # And the operations render, tagged and summarised from the schema
    page.locator(".opblock-tag-section").first.wait_for()
    page.get_by_text("Register a household").first.wait_for()
    assert page.locator(".opblock-summary-path[data-path='/api/v1/households/']").count() >= 1
    assert page.locator(".opblock").count() >= 10
    page.screenshot(path=str(SCREENSHOTS / "api-swagger-ui.png"))

    # And nothing was refused by the policy
    assert csp_problems(page) == []
    assert page.console_errors == []


def test_redoc_lists_the_operations_without_a_csp_violation(page, live_server):
    page.add_init_script(RECORD_VIOLATIONS)

    response = page.goto(f"{live_server.url}/api/redoc/")

    # Scripts from 'self' only; ReDoc's injected <style> elements are allowed by this request's nonce
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self' 'nonce-" in policy
    assert "img-src 'self' data:;" in policy
    assert "unsafe-inline" not in policy

    # The operation's heading in the middle panel, and its path
    page.locator("h2", has_text="Register a household").wait_for()
    assert page.get_by_text("/api/v1/households/").count() >= 1
    # ReDoc's own (injected) styles applied: the sidebar menu sits beside the content, fixed
    assert page.locator(".menu-content").evaluate("element => getComputedStyle(element).position") in {
        "sticky",
        "fixed",
    }
    page.screenshot(path=str(SCREENSHOTS / "api-redoc.png"))

    assert csp_problems(page) == []
    assert page.console_errors == []


def test_the_docs_pages_are_served_without_a_login(client):
    for url in ("/api/docs/", "/api/docs/?script=", "/api/redoc/", "/api/schema/"):
        assert client.get(url).status_code == 200, url
