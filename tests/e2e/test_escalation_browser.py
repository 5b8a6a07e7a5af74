"""Acknowledge in Chromium: the link from a message opens a confirm page (loading it
acknowledges nothing), the button acknowledges; a member acknowledges from the Escalations
page with the keyboard."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from contacts.models import Contact
from escalation import services
from escalation.models import Delivery, EscalationRun
from escalation.tokens import ack_url
from incidents.models import Incident, IncidentEvent
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import PASSWORD

pytestmark = pytest.mark.e2e


def _running_escalation(title: str) -> tuple[EscalationRun, Delivery]:
    workspace = factories.WorkspaceFactory()
    admin = factories.MembershipFactory(workspace=workspace, role="admin").user
    contact = Contact.objects.create(
        workspace=workspace, kind="management", name="Eva Jansen", email="eva@example.org"
    )
    services.protocol_create(
        workspace=workspace,
        values={"name": "Crisis", "min_severity": 1, "language": "en"},
        tiers=[{"contact_ids": [contact.pk], "channels": ["email"], "wait_seconds": 600}],
        by=admin,
    )
    factories.IncidentFactory(
        workspace=workspace, status=Incident.Status.ACTIVE, severity=3, title=title
    )
    services.escalation_runs_start_due(now=timezone.now())
    run = EscalationRun.objects.get(workspace=workspace)
    return run, Delivery.objects.get(run=run)


def test_ack_link_confirms_before_acknowledging(asgi_server: AsgiServer, page: Page) -> None:
    run, delivery = _running_escalation('<img src=x onerror="window.pwned=1"> App down')
    link = ack_url(delivery_id=delivery.pk).replace("http://127.0.0.1:8000", asgi_server.url)

    page.goto(link)  # what a mail scanner's prefetch does
    expect(page.get_by_role("heading", name="Acknowledge escalation")).to_be_visible()
    expect(page.locator("main")).to_contain_text('<img src=x onerror="window.pwned=1"> App down')
    assert page.evaluate("window.pwned") is None  # shown as text, never run
    run.refresh_from_db()
    assert run.status == "active"

    page.get_by_role("button", name="Yes, I acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("is acknowledged")
    run.refresh_from_db()
    assert run.status == "acknowledged"
    assert (run.acknowledged_by_name, run.acknowledged_via) == ("Eva Jansen", "email link")
    assert IncidentEvent.objects.filter(incident=run.incident, kind="acknowledgement").exists()

    tampered = link[:-3] + "abc/"
    response = page.goto(tampered)
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("not valid")


def test_member_acknowledges_from_escalations_page(asgi_server: AsgiServer, page: Page) -> None:
    run, _delivery = _running_escalation("Storing betalingen")
    member = factories.MembershipFactory(workspace=run.workspace, role="communications").user
    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("#id_username", member.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{asgi_server.url}/escalations/")
    expect(page.locator(f"#run-{run.pk}")).to_contain_text("Storing betalingen")
    button = page.locator(f"#run-{run.pk}").get_by_role("button", name="Acknowledge")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Escalation acknowledged")
    expect(page.get_by_text("No active escalations.")).to_be_visible()
    run.refresh_from_db()
    assert run.status == "acknowledged"
    assert run.acknowledged_by == member
