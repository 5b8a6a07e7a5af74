"""A watch term that no longer fits a source's searches (an X source whose query suffix takes
room the term needs) is left out of that source's searches; the source goes on polling the
other terms instead of failing every poll. `responses` stands in for X at the HTTP boundary."""

import logging
from datetime import UTC, datetime

import pytest
import responses

from monitoring.credentials import credentials_encrypt
from monitoring.models import Source, WatchTerm
from monitoring.services import source_poll
from tests.factories import SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "https://api.twitter.com/2/tweets/search/recent"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# 493 characters (a term may have 500): fits X's 512, not beside the 19-character suffix below.
LONG_PHRASE = '"' + " ".join(f"woord{i}" for i in range(62)) + ' extra"'


def test_an_x_term_too_long_beside_the_suffix_is_not_searched_and_the_others_are(caplog):
    workspace = WorkspaceFactory()
    long_term = WatchTerm.objects.create(workspace=workspace, query=LONG_PHRASE)
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = SourceFactory(
        workspace=workspace,
        platform="x",
        settings={"query_suffix": "lang:nl -is:retweet"},
        credentials_encrypted=credentials_encrypt({"bearer_token": "test-token"}),
    )
    with (
        caplog.at_level(logging.WARNING, logger="monitoring.services.polling"),
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
    ):
        mock.add("GET", SEARCH, json={"meta": {"result_count": 0}})
        source_poll(source=source, now=NOW)
        queries = [c.request.params["query"] for c in mock.calls if SEARCH in c.request.url]
    assert queries == ['("Bank Noord") lang:nl -is:retweet']
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures) == (Source.Health.OK, 0)
    skipped = [r for r in caplog.records if r.msg == "monitoring.source_poll.term_not_searched"]
    assert [(r.source_id, r.watch_term_id) for r in skipped] == [(source.pk, long_term.pk)]


def test_without_the_suffix_the_long_term_is_searched_with_the_others():
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query=LONG_PHRASE)
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = SourceFactory(
        workspace=workspace,
        platform="x",
        settings={},
        credentials_encrypted=credentials_encrypt({"bearer_token": "test-token"}),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("GET", SEARCH, json={"meta": {"result_count": 0}})
        source_poll(source=source, now=NOW)
        queries = [c.request.params["query"] for c in mock.calls if SEARCH in c.request.url]
    assert queries == [f'{LONG_PHRASE} OR "Bank Noord"']
