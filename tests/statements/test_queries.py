"""Query counts of the statement lists and summaries: fixed, however many rows they show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from statements.models import Publication, Statement, StatementReaction
from statements.selectors import statement_reaction_summary
from statements.services.drafting import statement_update
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


def _edited(make_statement, authors, times: int) -> Statement:
    """A statement edited `times` times, by each of `authors` in turn."""
    statement = make_statement()
    for i in range(times):
        statement = statement_update(
            statement=statement, by=authors[i % len(authors)], title=f"Versie {i + 2}"
        )
    return statement


def test_history_api_loads_authors_in_fixed_queries(
    api_client_for, make_statement, comms, comms2, django_assert_max_num_queries
):
    statement = _edited(make_statement, [comms, comms2], ROWS)
    client = api_client_for(comms)
    with django_assert_max_num_queries(6):
        history = client.get(f"/api/statements/{statement.pk}/history/").json()
    authors = [comms.username, comms2.username] * (ROWS // 2)
    assert [v["author"] for v in history["versions"]] == [*reversed(authors), comms.username]
    assert [a["actor"] for a in history["audit"]] == [comms.username, *authors]


def test_statement_page_history_takes_the_same_queries_however_long(
    client, make_statement, comms, comms2, incident, django_assert_max_num_queries
):
    """The page's version history and audit trail name each author without a query each."""
    client.force_login(comms)
    url = f"/incidents/{incident.pk}/statements/"

    def show(statement: Statement) -> None:
        response = client.get(url, {"statement": statement.pk})
        assert response.status_code == 200
        assert f"v{statement.version} · {comms2.username}".encode() in response.content

    client.get(url)  # installs the starter templates
    short = _edited(make_statement, [comms2], 1)
    with CaptureQueriesContext(connection) as ctx:
        show(short)
    long = _edited(make_statement, [comms, comms2], 2 * ROWS)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        show(long)
