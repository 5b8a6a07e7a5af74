"""What the dashboard's Escalations panel and the live Escalations page read: who the current
tier paged and whether the next deadline ends the run; the pages carry the panel and the live
script instead of a meta refresh; the wall shows no Acknowledge buttons."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import EscalationRun
from tests.escalation.helpers import tick_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tiers(make_workspace, make_contact, make_protocol, active_incident, http_server):
    workspace = make_workspace()
    anna = make_contact(workspace)
    bob = make_contact(workspace, name="Bob Bakker", email="bob@example.org", phone="+31687654321")
    cees = make_contact(workspace, name="Cees", email="cees@example.org", phone="+31611111111")
    make_protocol(
        workspace,
        [
            {"contact_ids": [anna.pk, cees.pk], "channels": ["sms"], "wait_seconds": 60},
            {"contact_ids": [bob.pk], "channels": ["sms"], "wait_seconds": 60},
        ],
    )
    incident = active_incident(workspace, title="Storing <b>app</b>")
    now = timezone.now()
    tick_in_process(now)
    return workspace, EscalationRun.objects.get(incident=incident), now


def test_api_tells_who_the_current_tier_paged_and_whether_it_is_the_last_step(
    two_tiers, make_member, api_client_for
):
    workspace, run, now = two_tiers
    client = api_client_for(make_member(workspace, role="crisis_team"))
    url = f"/api/escalations/?workspace={workspace.slug}&status=active"
    [item] = client.get(url).json()["results"]
    assert (item["tier"], item["tiers"], item["last_step"]) == (1, 2, False)
    assert item["paged"] == ["Anna de Vries", "Cees"]
    assert item["incident_title"] == "Storing <b>app</b>"  # raw: the page escapes it
    tick_in_process(now + timedelta(seconds=61))
    item = client.get(f"/api/escalations/{run.pk}/").json()
    assert (item["tier"], item["last_step"], item["paged"]) == (2, True, ["Bob Bakker"])


def test_acknowledged_run_leaves_the_active_list(two_tiers, make_member, api_client_for):
    workspace, run, _now = two_tiers
    client = api_client_for(make_member(workspace, role="communications"))
    assert client.post(f"/api/escalations/{run.pk}/acknowledge/").status_code == 200
    url = f"/api/escalations/?workspace={workspace.slug}&status=active"
    assert client.get(url).json()["results"] == []
    assert client.get(url.replace("active", "bogus")).status_code == 400


@pytest.mark.parametrize("wall", [False, True])
def test_dashboard_has_the_escalations_panel(client, two_tiers, make_member, wall):
    workspace, _run, _now = two_tiers
    client.force_login(make_member(workspace, role="crisis_team"))
    html = client.get(f"/w/{workspace.slug}/" + ("?wall=1" if wall else "")).content.decode()
    assert 'id="escalation-board"' in html
    assert 'data-str-esc-acknowledge="Acknowledge"' in html
    assert f'href="/w/{workspace.slug}/escalations/"' in html
    assert ('data-wall="1"' in html) is wall  # dashboard.js leaves the buttons out on the wall


def test_dashboard_panel_strings_in_dutch(client, two_tiers, make_member):
    workspace, _run, _now = two_tiers
    client.force_login(make_member(workspace, role="crisis_team"))
    html = client.get(f"/w/{workspace.slug}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert 'data-str-esc-acknowledge="Bevestigen"' in html
    assert 'data-str-esc-tier="Niveau {tier} van {tiers}"' in html


def test_escalations_page_is_live_without_meta_refresh(client, two_tiers, make_member):
    workspace, run, _now = two_tiers
    client.force_login(make_member(workspace))
    html = client.get(f"/w/{workspace.slug}/escalations/").content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "js/escalations.js" in html
    assert f'data-workspace-id="{workspace.pk}"' in html
    assert f'id="run-{run.pk}"' in html
    assert "Storing &lt;b&gt;app&lt;/b&gt;" in html
