"""Running an incident in Chromium: complete a task, add a claim, watch the timeline and the
reach update live when a mention is attached (real uvicorn, Redis channel layer)."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidents import services
from playbooks.services import playbooks_install_defaults
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import PASSWORD, _crisis_team_member

pytestmark = pytest.mark.e2e


def _open_live(asgi_server: AsgiServer, page: Page, user, incident_id: int) -> None:
    """Log in and open the incident page until its websocket is live."""
    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{asgi_server.url}/incidents/{incident_id}/")
    expect(page.locator("#incident")).to_have_attribute("data-connection", "live")


def test_crisis_team_runs_incident_page_live(asgi_server: AsgiServer, page: Page) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    playbooks_install_defaults(workspace=workspace)
    incident = services.incident_create(
        workspace=workspace,
        by=user,
        new=services.IncidentNew(title="App outage", severity=3, scenario="viral_complaint",
                                 language="en"),
    )  # fmt: skip
    mention = factories.MentionFactory(
        workspace=workspace, author_handle="angry_ann", author_followers=4321,
        text="<img src=x onerror=alert(1)> still down",
    )  # fmt: skip

    _open_live(asgi_server, page, user, incident.pk)
    expect(page.locator("#response-clock")).to_contain_text("left for the first public reaction")
    expect(page.locator("#reach-mentions")).to_have_text("0")

    first = page.locator("#task-list li.task").first
    title = first.locator(".task-title").inner_text()
    first.get_by_role("button", name="Mark done").click()
    expect(page.locator("#task-list li.task").first).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#timeline")).to_contain_text(f"Task done: {title}")

    page.get_by_label("New claim").fill("Customers were charged twice")
    page.get_by_label("Status", exact=True).select_option("rumour")
    page.get_by_role("button", name="Add claim").click()
    expect(page.locator("#claim-list")).to_contain_text("Customers were charged twice")
    expect(page.locator("#timeline li").first).to_contain_text("Claim added (Rumour)")

    # Attaching a mention: the reach panel updates over the websocket, no reload.
    page.evaluate("window.__noReload = true")
    page.get_by_label("Attach mentions (ids, comma-separated)").fill(str(mention.pk))
    page.get_by_role("button", name="Attach").click()
    expect(page.locator("#reach-mentions")).to_have_text("1")
    expect(page.locator("#reach-followers")).to_have_text(re.compile(r"4[,.\s]?321"))
    expect(page.locator("#timeline")).to_contain_text("attached 1 mention(s)")
    # The linked mentions list follows too; post text stays text.
    item = page.locator(f'#mention-list li[data-id="{mention.pk}"]')
    expect(item).to_contain_text("<img src=x onerror=alert(1)> still down")
    expect(item.locator("a.mention-link")).to_have_attribute("href", mention.url)
    assert page.evaluate("window.__noReload") is True
    assert page.locator("#incident img").count() == 0


def test_incident_page_bad_mention_ids_and_closed_clock(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    incident = services.incident_create(
        workspace=workspace, by=user, new=services.IncidentNew(title="Closed clock", severity=2)
    )
    _open_live(asgi_server, page, user, incident.pk)

    attach = page.get_by_label("Attach mentions (ids, comma-separated)")
    attach.fill("-1,abc")
    page.get_by_role("button", name="Attach").click()
    feedback = page.locator("#incident-feedback")
    expect(feedback).to_contain_text("Not valid mention ids (whole numbers from 1): -1, abc")
    attach.fill("99999999999999999999")
    page.get_by_role("button", name="Attach").click()
    expect(feedback).to_contain_text("99999999999999999999")
    expect(feedback).not_to_contain_text("[object Object]")
    expect(feedback).not_to_contain_text("100000000000000000000")

    # Resolved: the response clock stops and shows the final state.
    page.get_by_role("button", name="Move to Resolved").click()
    expect(page.locator("#incident-status")).to_have_text("Resolved")
    expect(page.locator("#response-clock")).to_have_text(
        "Closed without a recorded public reaction"
    )
    expect(page.locator("#incident-overdue")).to_have_text("0")
