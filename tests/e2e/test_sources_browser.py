"""Adding a source in Chromium: choosing a platform shows its own credential fields (and hides
the others'), the form submits from the keyboard, and the secret is stored, not shown."""

import json

import pytest
from playwright.sync_api import Page, expect

from monitoring.models import ImportJob, Source
from monitoring.selectors import source_credentials
from monitoring.services.imports import import_job_run
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_statements_browser import _login
from workspaces.models import Membership

pytestmark = pytest.mark.e2e


def test_add_source_shows_the_chosen_platforms_credentials(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    admin = factories.MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN).user
    _login(page, asgi_server, admin.username)
    page.goto(f"{asgi_server.url}/w/{workspace.slug}/sources/")
    page.get_by_text("Add a source").click()
    form = page.locator("form.source-form")
    reddit, x = form.locator("fieldset[data-platform=reddit]"), form.locator("[data-platform=x]")
    expect(form.locator("fieldset[data-platform=demo]")).to_be_visible()
    expect(reddit).to_be_hidden()

    form.get_by_label("Platform").select_option("reddit")
    expect(reddit).to_be_visible()
    expect(x).to_be_hidden()
    form.get_by_label("Name").fill("Reddit NL")
    form.get_by_label("Settings (JSON)").fill('{"subreddits": ["thenetherlands"]}')
    form.get_by_label("Client ID").fill("reddit-id-1")
    form.get_by_label("Client secret").fill("reddit-secret-2")
    form.get_by_label("Client secret").press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Source added.")
    expect(page.locator("main")).to_contain_text("Reddit NL")
    assert "reddit-secret-2" not in page.content()
    source = Source.objects.get(workspace=workspace)
    assert source_credentials(source=source) == {
        "client_id": "reddit-id-1",
        "client_secret": "reddit-secret-2",
    }


def test_an_import_running_on_the_dutch_page_reports_in_dutch(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    admin = factories.MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN).user
    rows = [
        {"id": "1", "text": "Storing bij Bank Noord", "author": "a", "created_at": "2026-12-07"},
        {"id": "2", "text": "Weer storing", "author": "b", "created_at": "2026-12-07"},
    ]
    content = "".join(json.dumps(row) + "\n" for row in rows) + "geen json\n"
    # Queued as the upload queues it (without sending the task: this test is the worker).
    job = ImportJob.objects.create(
        workspace=workspace,
        filename="m.jsonl",
        format="jsonl",
        platform="x",
        content=content,
        total=3,
    )
    _login(page, asgi_server, admin.username)
    page.context.add_cookies([{"name": "django_language", "value": "nl", "url": asgi_server.url}])
    page.goto(f"{asgi_server.url}/w/{workspace.slug}/sources/")
    row = page.locator(".import-job")
    expect(row.locator(".job-status")).to_have_text("In de wachtrij")
    import_job_run(job=job)  # what the worker does; the page polls the job's progress
    expect(row.locator(".job-status")).to_have_text("Klaar")
    expect(row.locator(".job-counts")).to_have_text("2 nieuw, 0 al aanwezig, 1 mislukt")
    expect(row.locator(".job-error")).to_be_hidden()
