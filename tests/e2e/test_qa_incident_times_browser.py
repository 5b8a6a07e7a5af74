"""The incident page shows times in the workspace's zone, like the server-rendered header and
the dashboard, whatever zone the browser is in."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from incidents import services
from incidents.models import IncidentEvent
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import PASSWORD, _crisis_team_member

pytestmark = pytest.mark.e2e


def test_timeline_times_in_workspace_zone_not_browser_zone(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    incident = services.incident_create(
        workspace=workspace, by=user, new=services.IncidentNew(title="Clock", severity=2)
    )
    at = datetime(2026, 1, 15, 9, 7, tzinfo=UTC)  # 10:07 in Amsterdam, 04:07 in New York
    services.incident_event_record(
        incident=incident, kind=IncidentEvent.Kind.NOTE, summary="zone check", actor=user, at=at
    )
    local = at.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%H:%M")

    context = page.context.browser.new_context(timezone_id="America/New_York", locale="nl-NL")
    try:
        tab = context.new_page()
        tab.goto(f"{asgi_server.url}/accounts/login/")
        tab.fill("#id_username", user.username)
        tab.fill("#id_password", PASSWORD)
        tab.click("button[type=submit]")
        tab.goto(f"{asgi_server.url}/incidents/{incident.pk}/")
        row = tab.locator("#timeline li", has_text="zone check")
        expect(row.locator("time")).to_contain_text(local)
    finally:
        context.close()
