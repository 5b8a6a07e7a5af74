"""Reach of an incident's mentions, recomputed on ingest with a bounded number of queries."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.models import Incident
from incidents.selectors import incident_reach
from monitoring.selectors import severity_input_for
from monitoring.severity import OUTLET_MIN_REACH
from tests import factories
from tests.realtime.test_consumers import _headers_for

pytestmark = pytest.mark.django_db


def test_incident_reach_counts_authors_once_and_sums_engagement(crew):
    ws = crew.workspace
    make = factories.MentionFactory
    ms = [
        make(workspace=ws, platform="x", author_handle="ann", author_followers=1000, likes=3,
             reposts=1, sentiment_compound=-0.6),
        make(workspace=ws, platform="x", author_handle="ann", author_followers=1200, replies=2,
             sentiment_compound=-0.2),
        make(workspace=ws, platform="reddit", author_handle="bob", author_followers=50,
             quotes=4, sentiment_compound=0.5),
    ]  # fmt: skip
    reach = incident_reach(mention_ids=[m.pk for m in ms])
    assert reach["mentions"] == 3
    assert reach["unique_authors"] == 2
    assert reach["follower_reach"] == 1250  # ann counted once, at her largest count
    assert reach["engagement"] == 10
    assert reach["per_platform"] == {"reddit": 1, "x": 2}
    assert sum(row["mentions"] for row in reach["sentiment_trend"]) == 3
    assert sum(row["negative"] for row in reach["sentiment_trend"]) == 2


def test_incident_reach_counts_a_news_outlet_at_least_at_the_outlet_minimum(crew):
    make = factories.MentionFactory
    ms = [
        make(workspace=crew.workspace, platform="news", author_handle="Dagblad Noord",
             author_followers=0, author_is_outlet=True),
        make(workspace=crew.workspace, platform="news", author_handle="NOS",
             author_followers=2_500_000, author_is_outlet=True),
        make(workspace=crew.workspace, platform="x", author_handle="ann", author_followers=900),
    ]  # fmt: skip
    reach = incident_reach(mention_ids=[m.pk for m in ms])
    assert reach["follower_reach"] == OUTLET_MIN_REACH + 2_500_000 + 900
    # The severity score reads the same reach (one rule, monitoring.selectors).
    severity = severity_input_for(mention_ids=[m.pk for m in ms], window_minutes=5)
    assert severity.followers == reach["follower_reach"]


def _queries_for_refresh(crew, count: int) -> int:
    alert_mentions = [factories.MentionFactory(workspace=crew.workspace) for _ in range(count)]
    alert = factories.AlertFactory(
        workspace=crew.workspace, mention_ids=[m.pk for m in alert_mentions]
    )
    crew.incident.alerts.add(alert)
    with CaptureQueriesContext(connection) as ctx:
        services.incidents_refresh_open(workspace_id=crew.workspace.pk)
    return len(ctx.captured_queries)


def test_incidents_refresh_open_query_count_does_not_grow_with_mentions(crew):
    few = _queries_for_refresh(crew, 2)
    many = _queries_for_refresh(crew, 40)
    assert many <= few <= 20
    assert Incident.objects.get(pk=crew.incident.pk).reach["mentions"] == 42


@pytest.mark.django_db(transaction=True)
def test_attach_pushes_reach_update_over_the_websocket(crew):
    from crisiscenter.asgi import application

    mention = factories.MentionFactory(
        workspace=crew.workspace, author_handle="carol", author_followers=777
    )

    headers = _headers_for(crew.team)

    async def scenario() -> dict:
        from asgiref.sync import sync_to_async

        comm = WebsocketCommunicator(
            application, f"/ws/workspaces/{crew.workspace.slug}/", headers=headers
        )
        connected, _ = await comm.connect()
        assert connected
        await sync_to_async(services.incident_mentions_attach)(
            incident=crew.incident, by=crew.team, mention_ids=[mention.pk]
        )
        found = {}
        for _ in range(10):
            message = await comm.receive_json_from(timeout=5)
            for event in message.get("events", []):
                found[event["type"]] = event
            if "incident.reach_updated" in found and "incident.event_recorded" in found:
                break
        await comm.disconnect()
        return found

    found = asyncio.run(scenario())
    reach = found["incident.reach_updated"]
    assert reach["id"] == crew.incident.pk
    assert reach["follower_reach"] == 777
    assert reach["unique_authors"] == 1
    assert found["incident.event_recorded"]["kind"] == "mention"
