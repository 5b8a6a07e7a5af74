"""The post-incident evaluation in Chromium: written with the keyboard on a resolved
incident, saved, required to review, then shown read-only; user text stays text."""

import pytest
from playwright.sync_api import Page, expect

from incidents import services
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_incident_browser import _open_live
from tests.e2e.test_pipeline_browser import _crisis_team_member

pytestmark = pytest.mark.e2e

HOSTILE = "<img src=x onerror=alert(1)>"


def test_evaluation_written_with_the_keyboard_then_read_only_once_reviewed(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    incident = services.incident_create(
        workspace=workspace, by=user, new=services.IncidentNew(title="Refund outage", severity=2)
    )
    services.incident_transition(incident=incident, to="resolved", by=user)
    _open_live(asgi_server, page, user, incident.pk)
    expect(page.locator("#evaluation-numbers")).to_contain_text("Time to resolve")
    report = page.get_by_role("link", name="Download report")
    expect(report).to_have_attribute("href", f"/api/incidents/{incident.pk}/evaluation/?format=md")

    # Reviewing without an evaluation is refused with the reason.
    page.get_by_role("button", name="Move to Reviewed").click()
    expect(page.locator("#incident-feedback")).to_contain_text("Write the evaluation")

    page.get_by_label("What happened (summary)").focus()
    page.keyboard.type(f"{HOSTILE} refunds were late")
    page.keyboard.press("Tab")
    page.keyboard.type("The statement went out fast")
    page.keyboard.press("Tab")
    page.keyboard.type("Watch the payment provider")
    page.keyboard.press("Tab")  # "Add action item"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Action item 1", exact=True)).to_be_focused()
    page.keyboard.type("Add the provider's status page to monitoring")
    page.keyboard.press("Tab")  # owner: the first member
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Owner (member)")).to_have_value(str(user.pk))
    page.get_by_label("Done", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label("Action item 1", exact=True).focus()
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#evaluation-feedback")).to_have_text("Evaluation saved.")
    expect(page.locator("#evaluation-meta")).to_contain_text("Last edited by")

    page.get_by_role("button", name="Move to Reviewed").click()
    expect(page.locator("#incident-status")).to_have_text("Reviewed")
    view = page.locator("#evaluation-view")
    expect(view.locator('[data-field="summary"]')).to_have_text(f"{HOSTILE} refunds were late")
    expect(view).to_contain_text("✓ Add the provider's status page to monitoring")
    expect(page.locator("#evaluation-form")).to_be_hidden()
    expect(page.get_by_role("textbox", name="What happened (summary)")).to_have_count(0)
    assert page.locator("#incident img").count() == 0
