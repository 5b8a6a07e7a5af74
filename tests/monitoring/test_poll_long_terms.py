"""Watch terms and an X source's query suffix share the 512 characters of a search: the config
services refuse a term or a suffix that would not fit. A term saved before that check is left
out of the source's searches (the source goes on with the others); with none left, the poll
fails. `responses` stands in for X at the HTTP boundary."""

import logging
from datetime import UTC, datetime

import pytest
import responses
from django.utils import translation

from monitoring.credentials import credentials_encrypt
from monitoring.exceptions import SourceConfigInvalid, WatchTermInvalid
from monitoring.models import Source, WatchTerm
from monitoring.query import QuerySyntaxError
from monitoring.services import source_create, source_poll, source_update, watch_term_create
from tests.factories import SourceFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "https://api.twitter.com/2/tweets/search/recent"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# 493 characters (a term may have 500): fits X's 512, not beside the 19-character suffix below.
LONG_PHRASE = '"' + " ".join(f"woord{i}" for i in range(62)) + ' extra"'
SUFFIX = "lang:nl -is:retweet"


def _x_source(workspace, settings: dict) -> Source:
    """An X source saved as before the config services checked terms against its settings."""
    return SourceFactory(
        workspace=workspace,
        platform="x",
        settings=settings,
        credentials_encrypted=credentials_encrypt({"bearer_token": "test-token"}),
    )


def test_an_x_term_too_long_beside_the_suffix_is_not_searched_and_the_others_are(caplog):
    workspace = WorkspaceFactory()
    long_term = WatchTerm.objects.create(workspace=workspace, query=LONG_PHRASE)
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = _x_source(workspace, {"query_suffix": SUFFIX})
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
    source = _x_source(workspace, {})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("GET", SEARCH, json={"meta": {"result_count": 0}})
        source_poll(source=source, now=NOW)
        queries = [c.request.params["query"] for c in mock.calls if SEARCH in c.request.url]
    assert queries == [f'{LONG_PHRASE} OR "Bank Noord"']


def test_a_source_whose_every_term_is_too_long_fails_its_poll_visibly():
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query=LONG_PHRASE)
    source = _x_source(workspace, {"query_suffix": SUFFIX})
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
        pytest.raises(QuerySyntaxError, match="longer than the 490 characters"),
    ):
        source_poll(source=source, now=NOW)
    assert not [c for c in mock.calls if SEARCH in c.request.url]  # it searched nothing
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures) == (Source.Health.LAGGING, 1)


@translation.override("en")
def test_the_config_services_refuse_a_term_or_a_suffix_that_would_not_fit():
    workspace = WorkspaceFactory()
    source = source_create(
        workspace_id=workspace.pk, name="X NL", platform="x", interval=60,
        settings={"query_suffix": SUFFIX}, credentials={"bearer_token": "t"},
    )  # fmt: skip
    with pytest.raises(WatchTermInvalid, match="X NL"):
        watch_term_create(workspace_id=workspace.pk, query=LONG_PHRASE)
    assert not WatchTerm.objects.exists()
    source_update(source=source, settings={})  # no suffix: room enough
    term = watch_term_create(workspace_id=workspace.pk, query=LONG_PHRASE)
    with pytest.raises(SourceConfigInvalid, match="would no longer fit"):
        source_update(source=source, settings={"query_suffix": SUFFIX})
    source.refresh_from_db()
    assert source.settings == {}
    with pytest.raises(SourceConfigInvalid, match="would no longer fit"):
        source_create(
            workspace_id=workspace.pk, name="X 2", platform="x", interval=60,
            settings={"query_suffix": SUFFIX}, credentials={"bearer_token": "t"},
        )  # fmt: skip
    term.refresh_from_db()
    assert term.query == LONG_PHRASE
