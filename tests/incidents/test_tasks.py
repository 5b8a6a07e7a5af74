from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident
from incidents.selectors import mention_ids_in_open_incidents
from incidents.tasks import refresh_engagement
from monitoring.models import Mention
from monitoring.tasks import poll_source
from tests.factories import (
    AlertFactory,
    AlertRuleFactory,
    IncidentFactory,
    MentionFactory,
    SourceFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_refresh_engagement_updates_mentions_of_open_incidents_only_and_is_idempotent():
    started = timezone.now() - timedelta(seconds=150)
    source = SourceFactory(
        settings={"scenario": "en"}, cursor={"": {"started_at": started.isoformat(), "next": 0}}
    )
    poll_source.apply(args=[source.pk])
    mentions = list(Mention.objects.filter(source=source).order_by("id"))
    in_open, in_closed = mentions[:3], mentions[3:5]
    open_incident = IncidentFactory(workspace=source.workspace)
    open_incident.alerts.add(
        AlertFactory(workspace=source.workspace, mention_ids=[m.pk for m in in_open[:2]])
    )
    open_incident.mentions.add(in_open[2])  # attached by hand, behind no alert
    closed = IncidentFactory(workspace=source.workspace, status=Incident.Status.RESOLVED)
    closed.alerts.add(
        AlertFactory(workspace=source.workspace, mention_ids=[m.pk for m in in_closed])
    )
    closed.mentions.add(in_closed[0])
    assert refresh_engagement.apply().result == 3
    for before in in_open:
        after = Mention.objects.get(pk=before.pk)
        assert after.likes == before.likes * 2
        assert after.engagement_refreshed_at is not None
    for before in in_closed:
        assert Mention.objects.get(pk=before.pk).engagement_refreshed_at is None
    assert refresh_engagement.apply().result == 3
    assert Mention.objects.get(pk=in_open[0].pk).likes == in_open[0].likes * 2


def test_mentions_to_refresh_past_the_limit_are_the_newest():
    source = SourceFactory(settings={"scenario": "en"})
    ids = [MentionFactory(workspace=source.workspace, source=source).pk for _ in range(4)]
    incident = IncidentFactory(workspace=source.workspace)
    incident.alerts.add(AlertFactory(workspace=source.workspace, mention_ids=ids[:3]))
    incident.mentions.add(ids[3])
    assert mention_ids_in_open_incidents(limit=10) == sorted(ids)
    assert mention_ids_in_open_incidents(limit=2) == sorted(ids)[-2:]


def test_refresh_engagement_skips_sources_without_a_client_and_keeps_going_past_a_failing_one():
    # Workspace A's open incident holds a pushed, an imported and a misconfigured source's
    # mention; workspace B's holds polled demo mentions, which must still be refreshed.
    a = WorkspaceFactory()
    held = [
        MentionFactory(workspace=a, source=SourceFactory(workspace=a, platform=platform))
        for platform in ("webhook", "import")
    ]
    broken = SourceFactory(workspace=a, settings={"scenario": "nope"})
    held.append(MentionFactory(workspace=a, source=broken, platform="demo"))
    IncidentFactory(workspace=a).mentions.add(*held)
    started = timezone.now() - timedelta(seconds=150)
    demo = SourceFactory(
        settings={"scenario": "en"}, cursor={"": {"started_at": started.isoformat(), "next": 0}}
    )
    poll_source.apply(args=[demo.pk])
    polled = list(Mention.objects.filter(source=demo).order_by("id")[:2])
    IncidentFactory(workspace=demo.workspace).mentions.add(*polled)

    assert refresh_engagement.apply().result == 2
    for before in polled:
        assert Mention.objects.get(pk=before.pk).likes == before.likes * 2
    assert not Mention.objects.filter(pk__in=[m.pk for m in held]).exclude(
        engagement_refreshed_at=None
    )


def test_poll_source_refreshes_an_incident_that_took_alerts_once_per_page():
    """alerts_route refreshes the incident its alerts joined; the refresh of open incidents
    after the page leaves it alone (it used to run once per alert and once more)."""
    started = timezone.now() - timedelta(seconds=150)
    source = SourceFactory(
        settings={"scenario": "en"}, cursor={"": {"started_at": started.isoformat(), "next": 0}}
    )
    AlertRuleFactory(workspace=source.workspace, params={"threshold": 2, "window_minutes": 10})
    incident = IncidentFactory(workspace=source.workspace, status=Incident.Status.ACTIVE)
    with CaptureQueriesContext(connection) as ctx:
        poll_source.apply(args=[source.pk])
    refreshes = [
        q for q in ctx.captured_queries if 'MIN("monitoring_alert"."created_at")' in q["sql"]
    ]
    assert len(refreshes) == 1
    [alert] = incident.alerts.all()
    incident.refresh_from_db()
    assert incident.reach["mentions"] == len(set(alert.mention_ids))
