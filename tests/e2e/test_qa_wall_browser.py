"""Wall mode shows no controls or navigation (also none added by later apps), and pages load
without a failed request (no /favicon.ico 404 in the console)."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import PASSWORD, _crisis_team_member

pytestmark = pytest.mark.e2e


def test_wall_mode_hides_every_nav_and_no_request_fails(asgi_server: AsgiServer, page: Page):
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{asgi_server.url}/w/{workspace.slug}/")
    expect(page.locator(".app-nav")).to_be_visible()
    page.goto(f"{asgi_server.url}/w/{workspace.slug}/?wall=1")
    expect(page.locator("body.wall")).to_have_count(1)
    expect(page.locator(".app-nav")).to_be_hidden()
    expect(page.locator(".topbar-right a[href='/statements/templates/']")).to_be_hidden()
    page.wait_for_load_state("networkidle")
    assert failed == []
