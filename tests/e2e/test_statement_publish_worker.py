"""Publishing through the real Celery worker to a local Mastodon-shaped HTTP server: the
thread is posted part by part, the page updates live over the websocket and shows the URL."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from crisiscenter.celery import app
from incidents.models import Incident
from statements.models import Publication, Statement
from statements.services.approval import statement_approve
from statements.services.drafting import statement_create
from statements.services.publishing import publishing_account_save
from statements.tasks import publish_publication
from tests import factories
from tests.e2e.conftest import AsgiServer, CeleryWorker, _delete_queue
from tests.e2e.test_statements_browser import _login
from workspaces.models import Membership

pytestmark = pytest.mark.e2e

LONG = " ".join(f"Zin {i}: het spijt ons dat inloggen nog niet lukt." for i in range(16))


class FakeMastodon(BaseHTTPRequestHandler):
    posted: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status_id = str(117677200000000000 + len(self.posted) + 1)
        self.posted.append({**body, "key": self.headers.get("Idempotency-Key"), "id": status_id})
        payload = json.dumps({
            "id": status_id,
            "url": f"http://{self.headers['Host']}/@banknoord/{status_id}",
            "content": f"<p>{body['status']}</p>",
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mastodon_server() -> Iterator[str]:
    FakeMastodon.posted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMastodon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_publish_through_worker_posts_thread_and_page_updates_live(
    asgi_server: AsgiServer, celery_worker: CeleryWorker, page: Page, mastodon_server: str
) -> None:
    workspace = factories.WorkspaceFactory()
    writer = factories.MembershipFactory(
        workspace=workspace, role=Membership.Role.COMMUNICATIONS
    ).user
    approver = factories.MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN).user
    incident = Incident.objects.create(
        workspace=workspace, title="Storing app", status="active", opened_at=timezone.now()
    )
    publishing_account_save(
        workspace=workspace,
        channel="mastodon",
        settings={"instance": mastodon_server},
        credentials={"access_token": "token-e2e"},
    )
    statement = statement_create(
        incident=incident, by=writer, title="Update", language="nl", variants={"mastodon": LONG}
    )
    Statement.objects.filter(pk=statement.pk).update(status="in_review")
    statement_approve(statement=statement, approver=approver, reauthenticated_at=timezone.now())

    _login(page, asgi_server, writer.username)
    page.goto(f"{asgi_server.url}/incidents/{incident.pk}/statements/?statement={statement.pk}")
    page.click("#st-publish")
    expect(page.locator(".st-publications")).to_contain_text("Pending")
    # The web process enqueued on the default queue; this run's worker listens on its own
    # queue, so hand it the same message there (the task is idempotent either way).
    publication = Publication.objects.get(statement=statement)
    celery_worker.wait_for_task(celery_worker.enqueue(publish_publication, publication.pk))

    # statement.updated arrives over the websocket and the page shows the result by itself.
    expect(page.locator(".st-publications")).to_contain_text("Posted")
    link = page.locator(".st-publications a")
    expect(link).to_have_attribute("href", f"{mastodon_server}/@banknoord/117677200000000001")
    publication.refresh_from_db()
    assert len(FakeMastodon.posted) == len(publication.parts) >= 2
    assert [p["status"] for p in FakeMastodon.posted] == publication.parts
    assert FakeMastodon.posted[1]["in_reply_to_id"] == "117677200000000001"
    assert len({p["key"] for p in FakeMastodon.posted}) == len(publication.parts)
    statement.refresh_from_db()
    assert statement.status == "published"
    _delete_queue(app, "celery")  # the web process's copy of the message, never consumed here
