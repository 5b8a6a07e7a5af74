"""Triage from the dashboard in Chromium: the queue, the buttons, the incident board."""

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident, TriageDecision
from monitoring.models import Alert
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import _crisis_team_member, _open_dashboard

pytestmark = pytest.mark.e2e


def test_triage_alert_from_dashboard_opens_incident_and_dismisses_with_reason(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    mention = factories.MentionFactory(workspace=workspace)
    crisis = factories.AlertFactory(workspace=workspace, mention_ids=[mention.pk], severity=3)
    noise = factories.AlertFactory(workspace=workspace, severity=2)
    _open_dashboard(page, asgi_server, user.username, workspace.slug)

    expect(page.locator("#incidents-empty")).to_be_visible()
    # The one mention of the last hour is negative: the gauge says so in words, not colour only.
    expect(page.locator("#negative-share-text")).to_have_text("100% negative")
    crisis_item = page.locator(f'#alert-feed li[data-id="{crisis.pk}"]')
    # Every alert links to the mentions that triggered it.
    crisis_item.locator("details.alert-mentions summary").click()
    expect(crisis_item.locator("details.alert-mentions li")).to_have_count(1)
    expect(crisis_item.locator("details.alert-mentions")).to_contain_text(mention.text)
    link = crisis_item.locator("details.alert-mentions li a")
    expect(link).to_have_attribute("href", mention.url)
    crisis_item.get_by_role("button", name="Crisis", exact=True).click()
    expect(crisis_item).to_have_attribute("data-status", "crisis")
    expect(page.locator("#incident-board li")).to_have_count(1)
    expect(page.locator("#incident-board")).to_contain_text("Negative burst")
    expect(page.locator("#incident-board")).to_contain_text("left for first public response")

    noise_item = page.locator(f'#alert-feed li[data-id="{noise.pk}"]')
    noise_item.get_by_role("button", name="Not a crisis").click()
    reason = noise_item.get_by_label("Why is this not a crisis?")
    expect(reason).to_be_focused()
    reason.fill("Vacatureadvertentie, geen klacht")
    reason.press("Enter")  # keyboard-friendly: Enter submits
    expect(noise_item).to_have_attribute("data-status", "dismissed")

    incident = Incident.objects.get(workspace=workspace)
    assert list(incident.alerts.values_list("pk", flat=True)) == [crisis.pk]
    decisions = dict(TriageDecision.objects.values_list("alert_id", "decision"))
    assert decisions == {crisis.pk: "crisis", noise.pk: "dismissed"}
    assert TriageDecision.objects.get(alert=noise).reason == "Vacatureadvertentie, geen klacht"
    assert Alert.objects.get(pk=noise.pk).triaged_by == user
