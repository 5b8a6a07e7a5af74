"""Reaction summary: the incident's mentions the hour before and after each statement."""

from datetime import timedelta

import pytest
from django.utils import timezone

from statements.models import Publication, Statement
from statements.selectors import publications_for_reaction_fetch, statement_reaction_summary
from tests import factories

pytestmark = pytest.mark.django_db


def test_reaction_summary_compares_hour_before_and_after(workspace, incident, make_statement):
    at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    statement = make_statement()
    Statement.objects.filter(pk=statement.pk).update(status="published", published_at=at)

    def mention(minutes: int, compound: float):
        return factories.MentionFactory(
            workspace=workspace, posted_at=at + timedelta(minutes=minutes),
            sentiment_compound=compound,
        )  # fmt: skip

    before = [mention(-50, -0.8), mention(-20, -0.6), mention(-5, -0.4)]
    after = [mention(10, 0.2)]
    outside = mention(-120, -0.9)  # more than an hour before: not counted
    factories.MentionFactory(workspace=workspace, posted_at=at)  # not about the incident
    alert = factories.AlertFactory(
        workspace=workspace, mention_ids=[m.pk for m in [*before, *after, outside]]
    )
    incident.alerts.add(alert)

    summary = statement_reaction_summary(incident=incident)

    (item,) = summary["statements"]
    assert item["id"] == statement.pk
    assert item["before"] == {"volume": 3, "sentiment": -0.6, "negative": 3}
    assert item["after"] == {"volume": 1, "sentiment": 0.2, "negative": 0}
    assert sum(b["volume"] for b in summary["buckets"]) == 5


def test_reaction_api_is_scoped(api_client_for, incident, team, make_member):
    assert (
        api_client_for(team).get(f"/api/statements/reactions/?incident={incident.pk}").status_code
        == 200
    )
    outsider = make_member(factories.WorkspaceFactory())
    response = api_client_for(outsider).get(f"/api/statements/reactions/?incident={incident.pk}")
    assert response.status_code == 404
    assert api_client_for(team).get("/api/statements/reactions/?incident=x").status_code == 400


def test_reaction_fetch_takes_recent_automated_posts_only(make_statement):
    now = timezone.now()

    def publication(channel: str, hours_ago: float, *, manual=False, status="posted"):
        return Publication.objects.create(
            statement=make_statement(),
            channel=channel,
            status=status,
            is_manual=manual,
            posted=[{"id": "1", "url": "https://example.org/1"}],
            created_at=now,
            published_at=now - timedelta(hours=hours_ago),
        )

    recent = publication("mastodon", 1)
    publication("bluesky", 60)  # older than the window
    publication("website", 1, manual=True)  # marked by hand: nothing to fetch
    publication("x", 1, status="failed")

    since = now - timedelta(hours=48)
    assert list(publications_for_reaction_fetch(since=since)) == [recent]
