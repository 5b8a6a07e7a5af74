"""Four eyes in Chromium: one communications user drafts and submits, another approves after
the password prompt and marks the statement published; it then shows as published."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.models import Incident, IncidentEvent
from statements.models import Statement
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import PASSWORD
from workspaces.models import Membership

pytestmark = pytest.mark.e2e

TEXT = (
    "Het spijt ons: sinds 14:00 kunnen klanten niet inloggen in de app. We houden u op de "
    "hoogte via https://banknoord.example/status"
)


def _login(page: Page, server: AsgiServer, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/w/.*"))


def test_statement_drafted_approved_by_another_and_marked_published(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    writer = factories.MembershipFactory(
        workspace=workspace, role=Membership.Role.COMMUNICATIONS
    ).user
    approver = factories.MembershipFactory(
        workspace=workspace, role=Membership.Role.COMMUNICATIONS
    ).user
    incident = Incident.objects.create(
        workspace=workspace, title="Storing app", status="active", opened_at=timezone.now()
    )
    url = f"{asgi_server.url}/incidents/{incident.pk}/statements/"

    _login(page, asgi_server, writer.username)
    page.goto(url)
    page.fill("#st-new input[name=title]", "Eerste reactie <b>")
    page.click("#st-new button[type=submit]")
    expect(page.locator("#st-edit-h")).to_contain_text("Eerste reactie <b>")
    draft = TEXT + " We garanderen dat dit nooit meer gebeurt."
    page.fill("#st-text", draft)
    weighted = len(draft) - len("https://banknoord.example/status") + 23  # the URL weighs 23
    expect(page.locator("#st-counter")).to_have_text(f"{weighted} / 280")
    expect(page.locator("#st-warnings")).to_contain_text("nooit meer")  # tone check, not a block
    page.fill("#st-text", TEXT)
    page.click("#st-save")
    expect(page.locator("#st-feedback")).to_have_text("Saved.")
    page.click("#st-submit")
    expect(page.locator("#st-feedback")).to_have_text("Submitted for review.")
    expect(page.locator("#st-edit-h .st-status")).to_have_text("In review")
    # The drafter is not asked for a password: Approve is disabled and says why.
    expect(page.locator("#st-approve")).to_be_disabled()
    expect(page.locator("#st-approve-why")).to_contain_text("Four eyes")
    page.get_by_role("button", name="Log out").click()

    _login(page, asgi_server, approver.username)
    page.goto(url)
    page.click("#st-approve")
    page.fill("#st-reauth input[name=password]", "wrong password")
    page.click("#st-reauth button[type=submit]")
    expect(page.locator("#st-reauth-error")).to_have_text("Wrong password.")
    page.fill("#st-reauth input[name=password]", PASSWORD)
    page.click("#st-reauth button[type=submit]")
    expect(page.locator("#st-feedback")).to_have_text("Approved.")
    expect(page.locator("#st-edit-h .st-status")).to_have_text("Approved")

    page.select_option("#st-mark select[name=channel]", "x")
    page.fill("#st-mark input[name=url]", "https://x.com/banknoord/status/1861400000000000001")
    page.click("#st-mark button[type=submit]")
    expect(page.locator("#st-feedback")).to_have_text("Marked as published.")
    published = page.locator("#st-published")
    expect(published).to_contain_text("Eerste reactie <b>")
    expect(published).to_contain_text("sinds 14:00 kunnen klanten niet inloggen")
    expect(published.locator("a")).to_have_attribute(
        "href", "https://x.com/banknoord/status/1861400000000000001"
    )

    statement = Statement.objects.get(incident=incident)
    assert statement.status == "published"
    assert statement.created_by == writer
    assert statement.approved_by == approver
    actions = list(
        IncidentEvent.objects.filter(incident=incident, kind="statement")
        .order_by("at", "id")
        .values_list("data__action", flat=True)
    )
    assert actions == ["submitted", "approved", "published"]
