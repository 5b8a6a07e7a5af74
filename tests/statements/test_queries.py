"""Query counts of the statement lists and summaries: fixed, however many rows they show."""

from datetime import timedelta

import pytest
from django.utils import timezone

from statements.models import Publication, Statement, StatementReaction
from statements.selectors import statement_reaction_summary
from tests import factories

pytestmark = pytest.mark.django_db

ROWS = 8


def _published_with_reactions(make_statement, workspace, count: int) -> list[Statement]:
    """`count` published statements; statement i has i+1 reacting mentions on two platforms,
    one of which reacted on both (counted once)."""
    now = timezone.now()
    statements = []
    for i in range(count):
        statement = make_statement(title=f"Reactie {i}")
        Statement.objects.filter(pk=statement.pk).update(
            status=Statement.Status.PUBLISHED, published_at=now - timedelta(minutes=count - i)
        )
        publications = [
            Publication.objects.create(
                statement=statement, channel=channel, status="posted", created_at=now
            )
            for channel in ("x", "mastodon")
        ]
        mentions = [factories.MentionFactory(workspace=workspace) for _ in range(i + 1)]
        StatementReaction.objects.bulk_create(
            [
                StatementReaction(publication=publications[0], mention=m, kind="reply")
                for m in mentions
            ]
            + [StatementReaction(publication=publications[1], mention=mentions[0], kind="quote")]
        )
        statements.append(statement)
    return statements


def test_statement_list_api_counts_reactions_in_fixed_queries(
    api_client_for, make_statement, workspace, incident, comms, django_assert_max_num_queries
):
    _published_with_reactions(make_statement, workspace, ROWS)
    client = api_client_for(comms)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/statements/?incident={incident.pk}")
    assert response.status_code == 200
    counts = {
        row["title"]: {p["channel"]: p["reaction_count"] for p in row["publications"]}
        for row in response.json()["results"]
    }
    assert counts == {f"Reactie {i}": {"mastodon": 1, "x": i + 1} for i in range(ROWS)}
    first = response.json()["results"][0]
    assert [p["channel"] for p in first["publications"]] == ["mastodon", "x"]


def test_reaction_summary_takes_fixed_queries(
    make_statement, workspace, incident, django_assert_max_num_queries
):
    _published_with_reactions(make_statement, workspace, ROWS)
    with django_assert_max_num_queries(6):
        summary = statement_reaction_summary(incident=incident)
    assert [item["reactions"] for item in summary["statements"]] == list(range(1, ROWS + 1))
    assert all(
        item["before"] == {"volume": 0, "sentiment": None, "negative": 0}
        for item in summary["statements"]
    )
