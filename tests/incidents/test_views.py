"""The incident pages: members only, escaped text, Dutch and English, the statements slot."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_incident_page_renders_escaped_for_members_and_404_for_others(client, crew):
    services.incident_note_add(incident=crew.incident, by=crew.team, text="<script>x</script>")
    mention = factories.MentionFactory(
        workspace=crew.workspace, text="<img src=x onerror=alert(1)>", url="javascript:alert(1)"
    )
    services.incident_mentions_attach(
        incident=crew.incident, by=crew.team, mention_ids=[mention.pk]
    )
    client.force_login(crew.comms)
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page
    assert "Tijdlijn" in page  # Dutch by default
    assert "js-transition" not in page  # communications does not run the incident
    client.force_login(crew.outsider)
    assert client.get(f"/incidents/{crew.incident.pk}/").status_code == 404


def test_incident_page_in_english_shows_run_controls_for_crisis_team(client, crew):
    client.force_login(crew.team)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert "Facts and rumours" in page
    assert "Move to Monitoring" in page
    listing = client.get("/incidents/").content.decode()
    assert crew.incident.title in listing
    assert "Open an incident by hand" in listing


def test_reviewed_incident_page_has_no_controls_and_says_it_is_final(client, crew):
    client.force_login(crew.team)
    url = f"/incidents/{crew.incident.pk}/"
    controls = [
        'id="note-form"', 'id="claim-form"', 'id="commander-form"', 'id="severity-form"',
        'id="response-form"', 'id="attach-form"', "js-transition", 'data-can-run="1"',
    ]  # fmt: skip
    page = client.get(url).content.decode()
    assert all(control in page for control in controls)
    assert 'id="incident-final"' not in page
    for status in ("resolved", "reviewed"):
        if status == "reviewed":  # reviewing needs an evaluation with a summary
            services.incident_evaluation_save(
                incident=crew.incident, by=crew.team, data=services.EvaluationInput("Contained")
            )
        services.incident_transition(incident=crew.incident, to=status, by=crew.team)
    page = client.get(url).content.decode()
    assert [control for control in controls if control in page] == []
    assert 'data-can-add-facts="0"' in page  # incident.js: no claim status select
    assert 'data-can-run="0"' in page  # incident.js: no task controls, no detach buttons
    assert "geëvalueerd en definitief" in page


def test_incident_list_empty_state(client):
    user = factories.MembershipFactory().user
    client.force_login(user)
    assert 'id="incidents-empty"' in client.get("/incidents/").content.decode()


def test_include_if_exists_renders_nothing_for_a_missing_template():
    from django.template import Context, Template

    out = Template(
        '{% load incidents_tags %}[{% include_if_exists "statements/_nope.html" %}]'
    ).render(Context({}))
    assert out == "[]"


def test_incident_list_takes_fixed_queries_however_many_workspaces(
    client, crew, django_assert_max_num_queries
):
    """The user's role in each workspace comes with the workspace list, not a query each."""
    client.force_login(crew.team)
    client.get("/incidents/")  # the first request also settles the session's language
    with CaptureQueriesContext(connection) as ctx:
        client.get("/incidents/")
    roles = ["crisis_team", "admin", "communications"] * 2
    extra = [factories.MembershipFactory(user=crew.team, role=role).workspace for role in roles]
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        page = client.get("/incidents/").content.decode()
    runnable = [crew.workspace]
    runnable += [ws for ws, role in zip(extra, roles, strict=True) if role != "communications"]
    select = page.split('id="ic-workspace"')[1].split("</select>")[0]
    assert sorted(re.findall(r'<option value="([^"]+)">', select)) == sorted(
        ws.slug for ws in runnable
    )
