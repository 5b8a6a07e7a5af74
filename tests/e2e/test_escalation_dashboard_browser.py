"""The dashboard's Escalations panel in Chromium, end to end: an incident becomes active, the
real Celery worker's tick starts the run, the panel shows it live (no reload) with who was
paged and the countdown; the member acknowledges with the keyboard, the panel and the
Escalations page (open in a second tab, live over the websocket) both change without reload,
and the incident timeline has the acknowledgement."""

import re

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import Page, expect

from contacts.models import Contact
from escalation import services
from escalation.models import Delivery, EscalationRun
from escalation.tasks import tick
from escalation.tokens import ack_url
from incidents.models import Incident, IncidentEvent
from incidents.services import incident_transition
from tests import factories
from tests.e2e.conftest import ARTIFACTS_DIR, AsgiServer, CeleryWorker
from tests.e2e.test_pipeline_browser import _crisis_team_member, _open_dashboard

pytestmark = pytest.mark.e2e

TITLE = '<img src=x onerror="window.pwned=1"> Storing betalingen'


def test_escalation_appears_live_and_is_acknowledged_with_the_keyboard(
    asgi_server: AsgiServer, celery_worker: CeleryWorker, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    admin = factories.MembershipFactory(workspace=workspace, role="admin").user
    member = _crisis_team_member(workspace)
    contact = Contact.objects.create(
        workspace=workspace, kind="management", name="Eva Jansen", email="eva@example.org"
    )
    services.protocol_create(
        workspace=workspace,
        values={"name": "Crisis", "min_severity": 2, "language": "en"},
        tiers=[
            {"contact_ids": [contact.pk], "channels": ["email"], "wait_seconds": 900},
            {"roles": ["admin"], "channels": ["email"], "wait_seconds": 900},
        ],
        by=admin,
    )
    incident = factories.IncidentFactory(
        workspace=workspace, status=Incident.Status.TRIAGE, severity=3, title=TITLE
    )

    _open_dashboard(page, asgi_server, member.username, workspace.slug)
    panel = page.locator(".panel-escalations")
    expect(panel.locator("#escalations-empty")).to_be_visible()
    escalations_tab = page.context.new_page()
    escalations_tab.goto(f"{asgi_server.url}/w/{workspace.slug}/escalations/")
    expect(escalations_tab.locator("#escalations-live")).to_have_attribute(
        "data-connection", "live"
    )
    expect(escalations_tab.get_by_text("No active escalations.")).to_be_visible()

    # The incident becomes active; the real worker's tick starts the run and publishes it.
    incident_transition(incident=incident, to=Incident.Status.ACTIVE, by=member)
    celery_worker.wait_for_task(celery_worker.enqueue(tick))
    run = EscalationRun.objects.get(incident=incident)

    item = panel.locator(f"#escalation-{run.pk}")
    expect(item).to_contain_text(TITLE)  # as text, never markup
    expect(item).to_contain_text("Tier 1 of 2")
    expect(item).to_contain_text("Paged: Eva Jansen")
    expect(item.locator(".escalation-clock")).to_contain_text(
        re.compile(r"1[45]:\d\d until the next tier")
    )
    expect(panel.locator("#escalations-empty")).to_be_hidden()
    assert page.evaluate("window.pwned") is None
    # The Escalations page updated itself too (no meta refresh any more).
    expect(escalations_tab.locator(f"#run-{run.pk}")).to_contain_text("Storing betalingen")

    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "dashboard-escalations.png"), full_page=True)
    page.keyboard.press("Tab")  # move off whatever had focus, then straight to the button
    button = item.get_by_role("button", name="Acknowledge")
    button.focus()
    page.keyboard.press("Enter")

    expect(item).to_contain_text(f"Acknowledged by {member.username} via the app")
    expect(item.get_by_role("button")).to_have_count(0)
    expect(item).to_be_focused()  # keyboard users stay where they were
    expect(page.locator("#toast")).to_contain_text("Escalation acknowledged")
    expect(escalations_tab.get_by_text("No active escalations.")).to_be_visible()
    expect(escalations_tab.locator("table")).to_contain_text(member.username)

    run.refresh_from_db()
    assert (run.status, run.acknowledged_by, run.acknowledged_via) == (
        "acknowledged",
        member,
        "app",
    )
    event = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.ACKNOWLEDGEMENT)
    assert event.actor == member
    page.goto(f"{asgi_server.url}/incidents/{incident.pk}/")
    expect(page.locator("main")).to_contain_text(f"Escalation acknowledged by {member.username}")


def _running_escalation(title: str) -> tuple:
    """An active incident whose one-tier escalation (to the admins) has started: the
    workspace, its admin, a crisis-team member and the run's id."""
    workspace = factories.WorkspaceFactory()
    admin = factories.MembershipFactory(workspace=workspace, role="admin").user
    member = _crisis_team_member(workspace)
    services.protocol_create(
        workspace=workspace,
        values={"name": "Crisis", "min_severity": 1, "language": "en"},
        tiers=[{"roles": ["admin"], "channels": ["email"], "wait_seconds": 600}],
        by=admin,
    )
    factories.IncidentFactory(
        workspace=workspace, status=Incident.Status.ACTIVE, severity=2, title=title
    )
    [run_id] = services.escalation_runs_start_due(now=timezone.now())
    return workspace, admin, member, run_id


def test_wall_mode_shows_escalations_without_buttons(asgi_server: AsgiServer, page: Page) -> None:
    workspace, _admin, member, run_id = _running_escalation("Wall")
    _open_dashboard(page, asgi_server, member.username, workspace.slug)
    page.goto(f"{asgi_server.url}/w/{workspace.slug}/?wall=1")
    item = page.locator(f"#escalation-{run_id}")
    expect(item).to_contain_text("Wall")
    expect(item).to_contain_text("Tier 1 of 1")
    expect(item.locator(".escalation-clock")).to_contain_text("until the escalation ends")
    expect(item.get_by_role("button")).to_have_count(0)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "dashboard-escalations-wall.png"))


def test_acknowledge_race_shows_the_servers_409_and_the_winner(
    asgi_server: AsgiServer, page: Page
) -> None:
    """Someone acknowledges from a message link while this member's click is in flight: the
    real API answers 409, the panel shows that message and then who acknowledged first."""
    workspace, admin, member, run_id = _running_escalation("Race")
    _open_dashboard(page, asgi_server, member.username, workspace.slug)

    link = ack_url(delivery_id=Delivery.objects.get(run_id=run_id).pk).replace(
        "http://127.0.0.1:8000", asgi_server.url
    )

    def other_person_first(route) -> None:
        # The admin's mail link, confirmed in another browser (plain HTTP, its own cookies).
        other = requests.Session()
        form = other.get(link, timeout=10).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        done = other.post(link, data={"csrfmiddlewaretoken": token}, timeout=10)
        assert done.status_code == 200
        route.continue_()  # the member's request reaches the real server after that

    page.route(re.compile(r"/api/escalations/\d+/acknowledge/$"), other_person_first)
    item = page.locator(f"#escalation-{run_id}")
    item.get_by_role("button", name="Acknowledge").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text("Acknowledging failed")
    expect(page.locator("#toast")).to_contain_text("no longer running")
    expect(item).to_contain_text(
        f"Acknowledged by {admin.username} via the link in the message (E-mail)"
    )
    expect(item.get_by_role("button")).to_have_count(0)


def test_escalations_page_refetches_after_a_reconnect(asgi_server: AsgiServer, page: Page) -> None:
    """An acknowledgement published while the Escalations page had no websocket is not
    replayed to it: the page fetches itself again when the socket is back."""
    workspace, admin, member, run_id = _running_escalation("Offline ack")
    sockets: list = []
    state = {"blocked": False}

    def through_the_network(ws) -> None:
        if state["blocked"]:
            ws.close()  # the server is unreachable: the page backs off and tries again
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws/workspaces/"), through_the_network)
    _open_dashboard(page, asgi_server, member.username, workspace.slug)
    page.goto(f"{asgi_server.url}/w/{workspace.slug}/escalations/")
    live = page.locator("#escalations-live")
    expect(live).to_have_attribute("data-connection", "live")
    expect(page.locator(f"#run-{run_id}")).to_contain_text("Offline ack")

    state["blocked"] = True
    sockets[-1].close()
    expect(live).to_have_attribute("data-connection", "reconnecting")
    run = EscalationRun.objects.get(pk=run_id)
    services.escalation_acknowledge(run=run, user=admin, name=admin.username, via="app")
    page.wait_for_timeout(500)  # the event is published now, to nobody on this page
    expect(page.locator(f"#run-{run_id}")).to_be_visible()  # still the old list
    state["blocked"] = False
    expect(page.get_by_text("No active escalations.")).to_be_visible(timeout=20000)
    expect(live).to_have_attribute("data-connection", "live")
    expect(page.locator("table")).to_contain_text(admin.username)
