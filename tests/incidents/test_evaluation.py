"""The post-incident evaluation: written while resolved, required to review, final after;
its numbers computed from the record in a fixed number of queries; the Markdown report."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from escalation import services as escalation
from escalation.models import EscalationRun
from incidents import selectors, services
from incidents.api.report import duration_text, md_escape
from incidents.models import Incident, IncidentEvaluation, IncidentEvent
from tests import factories

pytestmark = pytest.mark.django_db

K = IncidentEvent.Kind
# A character that starts Markdown or HTML, not preceded by a backslash.
UNESCAPED = re.compile(r"(?<!\\)[<>\[\]`()]")
HOSTILE = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) `code`"


def _url(crew, suffix: str = "") -> str:
    return f"/api/incidents/{crew.incident.pk}/evaluation/{suffix}"


def _client(api_client_for, user):
    client = api_client_for(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def _resolve(crew) -> None:
    services.incident_transition(incident=crew.incident, to="resolved", by=crew.team)


def _body(crew, **changes) -> dict:
    body = {
        "summary": "Passwords leaked via a test server.",
        "went_well": "The AP was told within a day.",
        "to_improve": "Nobody watched the test server.",
        "action_items": [
            {"text": "Decommission test servers", "owner_id": crew.admin.pk,
             "due_on": "2030-01-31"},
            {"text": "Write a runbook", "owner_name": "External auditor", "done": True},
        ],
    }  # fmt: skip
    return {**body, **changes}


def _put(crew, api_client_for, who: str = "team", **changes):
    client = _client(api_client_for, getattr(crew, who))
    return client.put(_url(crew), _body(crew, **changes), format="json")


def test_evaluation_put_writes_record_items_and_timeline(crew, api_client_for):
    _resolve(crew)
    response = _put(crew, api_client_for)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["can_edit"] is True
    evaluation = data["evaluation"]
    assert evaluation["summary"] == "Passwords leaked via a test server."
    assert [i["owner"] for i in evaluation["action_items"]] == [
        crew.admin.get_full_name() or crew.admin.get_username(),
        "External auditor",
    ]
    assert evaluation["action_items"][0]["due_on"] == "2030-01-31"
    assert [i["done"] for i in evaluation["action_items"]] == [False, True]
    event = crew.incident.events.filter(kind=K.UPDATE, data__action="evaluation").get()
    assert event.summary.startswith("Evaluation written by")
    assert event.actor == crew.team


def test_evaluation_edit_replaces_items_and_keeps_the_author(crew, api_client_for):
    _resolve(crew)
    assert _put(crew, api_client_for).status_code == 200
    response = _put(crew, api_client_for, who="admin", summary="  Shorter.  ", action_items=[])
    assert response.status_code == 200, response.content
    record = IncidentEvaluation.objects.get(incident=crew.incident)
    assert (record.summary, record.created_by, record.updated_by) == (
        "Shorter.", crew.team, crew.admin,
    )  # fmt: skip
    assert record.action_items.count() == 0
    edits = crew.incident.events.filter(data__action="evaluation").order_by("id")
    assert edits.last().summary.startswith("Evaluation edited by")


def test_evaluation_put_is_403_for_communications_who_may_read(crew, api_client_for):
    who = "comms"
    _resolve(crew)
    assert _put(crew, api_client_for, who=who).status_code == 403
    assert _put(crew, api_client_for, who=who, summary=None).status_code == 403  # role first
    read = _client(api_client_for, crew.comms).get(_url(crew))
    assert read.status_code == 200
    assert read.json()["can_edit"] is False
    assert not IncidentEvaluation.objects.exists()


def test_evaluation_is_404_for_non_members(crew, api_client_for):
    _resolve(crew)
    assert _client(api_client_for, crew.outsider).get(_url(crew)).status_code == 404
    assert _put(crew, api_client_for, who="outsider").status_code == 404
    md = _client(api_client_for, crew.outsider).get(_url(crew, "?format=md"))
    assert md.status_code == 404


def test_evaluation_put_is_409_while_the_incident_runs(crew, api_client_for):
    response = _put(crew, api_client_for)
    assert response.status_code == 409
    assert response.json()["detail"] == "The evaluation is written once the incident is resolved."
    assert _client(api_client_for, crew.team).get(_url(crew)).json()["can_edit"] is False


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "x" * 10001}, "summary"),
        ({"went_well": 5 * ["list"]}, "went_well"),
        ({"action_items": [{"text": "t", "due_on": "31-01-2030"}]}, "action_items"),
        ({"action_items": [{"owner_name": "nobody wrote a text"}]}, "action_items"),
        ({"action_items": [{"text": "x" * 501}]}, "action_items"),
        ({"action_items": [{"text": "t", "owner_id": "abc"}]}, "action_items"),
    ],
)
def test_evaluation_put_bad_payload_is_400_with_field_errors(crew, api_client_for, changes, field):
    _resolve(crew)
    response = _put(crew, api_client_for, **changes)
    assert response.status_code == 400
    assert field in response.json()
    assert not IncidentEvaluation.objects.exists()


def test_evaluation_owner_who_is_not_a_member_is_400(crew, api_client_for):
    _resolve(crew)
    items = [{"text": "ok", "owner_id": crew.team.pk}, {"text": "x", "owner_id": crew.outsider.pk}]
    response = _put(crew, api_client_for, action_items=items)
    assert response.status_code == 400
    assert response.json()["action_items"] == {
        "1": {"owner_id": ["The owner must be a member of this workspace."]}
    }
    assert not IncidentEvaluation.objects.exists()


@pytest.mark.parametrize("summary", [None, "", "   "])
def test_review_without_an_evaluation_summary_is_refused(crew, api_client_for, summary):
    _resolve(crew)
    if summary is not None:
        assert _put(crew, api_client_for, summary=summary).status_code == 200
    client = _client(api_client_for, crew.team)
    response = client.post(
        f"/api/incidents/{crew.incident.pk}/transition/", {"status": "reviewed"}, format="json"
    )
    assert response.status_code == 400
    message = "Write the evaluation, at least its summary, before marking the incident reviewed."
    assert response.json() == {"detail": message, "evaluation": {"summary": [message]}}
    assert Incident.objects.get(pk=crew.incident.pk).status == "resolved"


def test_reviewed_evaluation_is_final(crew, api_client_for):
    _resolve(crew)
    assert _put(crew, api_client_for).status_code == 200
    client = _client(api_client_for, crew.team)
    moved = client.post(
        f"/api/incidents/{crew.incident.pk}/transition/", {"status": "reviewed"}, format="json"
    )
    assert moved.status_code == 200, moved.content
    response = _put(crew, api_client_for, summary="Rewritten afterwards")
    assert response.status_code == 409
    assert "reviewed and final" in response.json()["detail"]
    assert IncidentEvaluation.objects.get().summary == "Passwords leaked via a test server."
    read = client.get(_url(crew)).json()
    assert (read["status"], read["can_edit"]) == ("reviewed", False)


def _record_numbers(crew) -> Incident:
    """An incident with known clocks, mentions around the first reaction, a published
    statement, two escalations (one acknowledged after 4 minutes) and tasks."""
    t0 = timezone.now() - timedelta(hours=6)
    Incident.objects.filter(pk=crew.incident.pk).update(
        first_mention_at=t0, first_alert_at=t0 + timedelta(minutes=10),
        opened_at=t0 + timedelta(minutes=12), triaged_at=t0 + timedelta(minutes=15),
        response_due_at=t0 + timedelta(minutes=70), response_at=t0 + timedelta(minutes=90),
        response_breached_at=t0 + timedelta(minutes=70), reach={"follower_reach": 12345,
        "sentiment_trend": [{"mentions": 3}, {"mentions": 7}]},
    )  # fmt: skip
    incident = Incident.objects.get(pk=crew.incident.pk)
    make = factories.MentionFactory
    before = [
        make(
            workspace=crew.workspace,
            author_handle=f"a{i}",
            sentiment_compound=-0.6,
            posted_at=t0 + timedelta(minutes=i),
        )
        for i in range(3)
    ]
    before.append(
        make(
            workspace=crew.workspace,
            author_handle="a0",
            sentiment_compound=0.4,
            posted_at=t0 + timedelta(minutes=5),
        )
    )
    after = [
        make(
            workspace=crew.workspace,
            author_handle="b",
            sentiment_compound=c,
            posted_at=t0 + timedelta(hours=2),
        )
        for c in (-0.5, 0.3, 0.6, 0.0)
    ]
    incident.mentions.add(*before, *after)
    for kind, minutes, data in [
        (K.STATEMENT, 90, {"action": "published", "statement_id": 1}),
        (K.ESCALATION, 11, {"run_id": 7, "tier": 1}),
        (K.ESCALATION, 13, {"run_id": 7, "tier": 2}),
        (K.ACKNOWLEDGEMENT, 15, {"run_id": 7}),
        (K.ESCALATION, 20, {"run_id": 8, "tier": 1}),
    ]:
        services.incident_event_record(
            incident=incident, kind=kind, summary=f"{kind} {data}", data=data,
            at=t0 + timedelta(minutes=minutes),
        )  # fmt: skip
    tasks = list(incident.tasks.order_by("position"))
    incident.tasks.update(due_at=t0 + timedelta(hours=1))
    incident.tasks.filter(pk=tasks[0].pk).update(done_at=t0 + timedelta(minutes=30))
    incident.tasks.filter(pk__in=[t.pk for t in tasks[1:3]]).update(due_at=t0 + timedelta(days=9))
    incident.tasks.filter(pk=tasks[3].pk).update(done_at=t0 + timedelta(minutes=59))
    _resolve(crew)
    Incident.objects.filter(pk=incident.pk).update(resolved_at=t0 + timedelta(hours=5))
    return Incident.objects.get(pk=incident.pk)  # fmt: skip


def test_evaluation_numbers_are_computed_from_the_record(crew):
    incident = _record_numbers(crew)
    n = selectors.incident_evaluation_numbers(incident=incident)
    assert n["time_to_detect"] == 600
    assert n["time_to_triage"] == 300
    assert n["time_to_first_reaction"] == 80 * 60  # from discovery, the first alert
    assert n["response_clock_breached"] is True
    assert n["time_to_resolve"] == (5 * 60 - 10) * 60
    assert (n["mentions"], n["unique_authors"]) == (8, 4)
    assert (n["follower_reach"], n["peak_mentions_per_hour"]) == (12345, 7)
    assert n["negative_share_before_reaction"] == 0.75
    assert n["negative_share_after_reaction"] == 0.25
    assert n["mentions_after_reaction"] == 4
    assert n["statements_published"] == 1
    assert n["first_statement_at"] == incident.response_at
    assert (n["escalations"], n["escalations_acknowledged"]) == (2, 1)
    assert n["time_to_acknowledge"] == 4 * 60
    assert (n["tasks_total"], n["tasks_done"]) == (12, 2)
    assert n["tasks_overdue_at_close"] == 12 - 2 - 2  # two were not due yet
    kinds = [e["kind"] for e in n["key_events"]]
    assert kinds.count("escalation") == 3
    assert "statement" in kinds
    assert kinds[-1] == "status"  # resolved, the latest


def test_evaluation_numbers_without_a_reaction_count_every_mention_before(crew):
    crew.incident.mentions.add(
        factories.MentionFactory(workspace=crew.workspace, sentiment_compound=-0.9),
        factories.MentionFactory(workspace=crew.workspace, sentiment_compound=0.9),
    )
    n = selectors.incident_evaluation_numbers(incident=crew.incident)
    assert n["negative_share_before_reaction"] == 0.5
    assert n["negative_share_after_reaction"] is None
    assert n["time_to_first_reaction"] is None
    assert n["tasks_overdue_at_close"] is None  # not closed


def _queries_for_numbers(crew, count: int) -> int:
    mentions = [factories.MentionFactory(workspace=crew.workspace) for _ in range(count)]
    alert = factories.AlertFactory(
        workspace=crew.workspace, mention_ids=[m.pk for m in mentions[: count // 2]]
    )
    crew.incident.alerts.add(alert)
    crew.incident.mentions.add(*mentions[count // 2 :])
    with CaptureQueriesContext(connection) as ctx:
        selectors.incident_evaluation_numbers(incident=crew.incident)
    return len(ctx.captured_queries)


def test_evaluation_numbers_query_count_does_not_grow_with_mentions(crew):
    few = _queries_for_numbers(crew, 2)
    many = _queries_for_numbers(crew, 60)
    assert many == few == 5


def test_evaluation_api_returns_numbers_in_words(crew, api_client_for):
    _record_numbers(crew)
    data = _client(api_client_for, crew.comms).get(_url(crew)).json()
    words = {row["label"]: row["value"] for row in data["numbers_text"]}
    assert words["Time to detect"] == "10 min"
    assert words["Time to first public reaction"] == "1 h 20 min"
    assert words["Response clock breached"] == "yes"
    assert words["Negative before the first public reaction"] == "75%"
    assert words["Escalations"] == "2, 1 acknowledged"
    assert words["Tasks done"] == "2/12"
    assert data["numbers"]["time_to_detect"] == 600


def test_duration_text_uses_two_units_at_most():
    assert duration_text(None) == "—"
    assert duration_text(0) == "0 s"
    assert duration_text(65) == "1 min 5 s"
    assert duration_text(3600) == "1 h"
    assert duration_text(3601) == "1 h"
    assert duration_text(90061) == "1 d 1 h"
    assert duration_text(-120) == "-2 min"


def test_md_escape_leaves_no_markdown_or_html():
    text = md_escape(HOSTILE + "\n# Heading\n1. list\n    code\n---")
    assert UNESCAPED.search(text) is None
    assert text.startswith("\\<img src=x onerror=alert\\(1\\)\\>")
    assert "\\# Heading" in text
    assert "1\\. list" in text
    assert "\\---" in text


def test_evaluation_markdown_report_is_a_download_with_escaped_text(crew, api_client_for):
    _record_numbers(crew)
    Incident.objects.filter(pk=crew.incident.pk).update(title="Leak [x](http://evil)")
    assert _put(crew, api_client_for, summary=HOSTILE, to_improve="line one\n\n## line two")
    response = _client(api_client_for, crew.comms).get(_url(crew, "?format=md"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    name = f"incident-{crew.incident.pk}-evaluation.md"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    text = response.content.decode()
    assert text.startswith("# Evaluation: Leak \\[x\\]\\(http://evil\\)\n")
    assert "- Time to detect: 10 min" in text
    assert "## Summary\n\n\\<img src=x onerror=alert\\(1\\)\\>" in text
    assert "\\#\\# line two" in text
    assert "- [x] Write a runbook (External auditor)" in text
    assert "- [ ] Decommission test servers (" in text
    assert "## Key events" in text
    assert "statement \\{'action': 'published'" in text
    summary = text.split("## Summary\n\n")[1].split("\n\n## What went well")[0]
    assert summary == md_escape(HOSTILE)
    assert UNESCAPED.search(summary) is None


def test_incident_page_has_the_evaluation_section_only_once_resolved(client, crew):
    client.force_login(crew.team)
    url = f"/incidents/{crew.incident.pk}/"
    assert 'id="evaluation"' not in client.get(url).content.decode()
    _resolve(crew)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="evaluation-form"' in page
    assert f'href="/api/incidents/{crew.incident.pk}/evaluation/?format=md" download' in page


def test_evaluation_numbers_read_a_real_escalation_and_its_acknowledgement(crew):
    # The numbers count escalations from the timeline the escalation app writes: this holds
    # them to its real events (run ids in the data), not to hand-made ones.
    contact = Contact.objects.create(
        workspace=crew.workspace, kind=Contact.Kind.COMMUNICATIONS, name="Anna",
        email="anna@example.org",
    )  # fmt: skip
    escalation.protocol_create(
        workspace=crew.workspace, by=crew.admin,
        values={"name": "Crisis", "min_severity": 1, "language": "en"},
        tiers=[{"contact_ids": [contact.pk], "channels": ["email"], "wait_seconds": 60}],
    )  # fmt: skip
    [run_id] = escalation.escalation_runs_start_due(now=timezone.now())
    run = EscalationRun.objects.get(pk=run_id)
    escalation.escalation_acknowledge(run=run, user=crew.team, name="Team", via="web")
    n = selectors.incident_evaluation_numbers(incident=Incident.objects.get(pk=crew.incident.pk))
    assert (n["escalations"], n["escalations_acknowledged"]) == (1, 1)
    assert 0 <= n["time_to_acknowledge"] <= 5
