"""The playbooks page in Chromium: an admin's mistakes come back as readable sentences, not as
raw JSON or the browser's own (English) parser message."""

import pytest
from playwright.sync_api import Page, expect

from playbooks.services import playbooks_install_defaults
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import PASSWORD
from workspaces.models import Membership

pytestmark = pytest.mark.e2e


def test_playbook_and_clock_errors_read_as_sentences(asgi_server: AsgiServer, page: Page) -> None:
    workspace = factories.WorkspaceFactory()
    admin = factories.MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN).user
    playbooks_install_defaults(workspace=workspace)
    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{asgi_server.url}/playbooks/")

    clock = page.locator(".js-clock-form")
    field = clock.locator("input").first
    field.evaluate("input => input.removeAttribute('min')")  # as a script or an old page could
    field.fill("1")
    clock.get_by_role("button", name="Save").click()
    feedback = clock.locator(".feedback")
    expect(feedback).to_contain_text("That did not work:")
    expect(feedback).to_contain_text(
        "That did not work: minutes \u203a 1: Ensure this value is greater than or equal to 5."
    )
    expect(feedback).not_to_contain_text("{")

    playbook = page.locator("details.playbook").first
    playbook.locator("summary").first.click()
    playbook.locator("details.playbook-edit summary").click()
    steps = playbook.locator("textarea[name=steps]")
    steps.fill('[{"title": "Stap 1", "tasks": [}')
    playbook.locator(".js-playbook-form").get_by_role("button", name="Save").click()
    message = "The steps are not valid JSON: check the quotes, commas and brackets."
    expect(playbook.locator(".js-playbook-form .feedback")).to_have_text(message)
    expect(steps).to_be_focused()

    steps.fill('[{"title": "", "tasks": []}]')
    playbook.locator(".js-playbook-form").get_by_role("button", name="Save").click()
    feedback = playbook.locator(".js-playbook-form .feedback")
    expect(feedback).to_contain_text("That did not work: steps \u203a 0 \u203a title: ")
    expect(feedback).not_to_contain_text("[object")
