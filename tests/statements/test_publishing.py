"""Publishing and reaction tracking at the HTTP boundary (responses), through the real tasks.

Never double-posts: every part is stored before the next, a retry resumes after the last
stored part, a second run of the task posts nothing."""

import json
import re
from pathlib import Path

import pytest
import responses
from celery.exceptions import Retry
from django.utils import timezone

from monitoring.models import Mention
from realtime import events
from statements.models import Publication, Statement, StatementAudit, StatementReaction
from statements.services.approval import statement_approve
from statements.services.publishing import publishing_account_save, statement_publish
from statements.tasks import fetch_publication_reactions, publish_publication

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms" / "statements"
MASTODON = "https://mastodon.example"
BSKY = "https://bsky.social/xrpc"
LONG = " ".join(
    f"Zin {i}: het spijt ons dat inloggen bij Bank Noord nog niet lukt." for i in range(12)
)


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def approved(make_statement, comms2, django_capture_on_commit_callbacks):
    def _make(variants: dict[str, str]) -> Statement:
        statement = make_statement(variants=variants)
        Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.IN_REVIEW)
        return statement_approve(
            statement=statement, approver=comms2, reauthenticated_at=timezone.now()
        )

    return _make


def start(statement, by, django_capture_on_commit_callbacks) -> Publication:
    # The enqueue after commit is captured, not sent: the test runs the task itself.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (publication,) = statement_publish(statement=statement, by=by)
    assert any("publish_publication" in repr(c) for c in callbacks)
    return publication


def mastodon_account(workspace):
    publishing_account_save(
        workspace=workspace,
        channel="mastodon",
        settings={"instance": MASTODON},
        credentials={"access_token": "token-abc"},
    )


def test_mastodon_thread_posts_each_part_once_and_records_ids(
    http, workspace, comms, approved, django_capture_on_commit_callbacks
):
    mastodon_account(workspace)
    statement = approved({"mastodon": LONG, "website": LONG})
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    assert len(publication.parts) == 2
    http.post(f"{MASTODON}/api/v1/statuses", json=load("mastodon_status_created.json"))
    http.post(f"{MASTODON}/api/v1/statuses", json=load("mastodon_status_created_reply.json"))

    publish_publication.apply(args=[publication.pk])
    publish_publication.apply(args=[publication.pk])  # a redelivery: posts nothing

    assert len(http.calls) == 2
    first, second = (json.loads(call.request.body) for call in http.calls)
    assert first["status"] == publication.parts[0]
    assert "in_reply_to_id" not in first
    assert second["in_reply_to_id"] == "117677100000000001"
    keys = [call.request.headers["Idempotency-Key"] for call in http.calls]
    assert keys[0] != keys[1]
    assert http.calls[0].request.headers["Authorization"] == "Bearer token-abc"
    publication.refresh_from_db()
    assert publication.status == "posted"
    assert [p["id"] for p in publication.posted] == ["117677100000000001", "117677100000000002"]
    assert publication.url == "https://mastodon.example/@banknoord/117677100000000001"
    statement.refresh_from_db()
    assert statement.status == "published"
    event = statement.incident.events.get(data__action="published")
    assert event.data == {
        "action": "published", "statement_id": statement.pk, "platform": "mastodon",
        "url": publication.url,
    }  # fmt: skip


def test_mastodon_retry_after_a_5xx_resumes_after_the_stored_part(
    http, workspace, comms, approved, django_capture_on_commit_callbacks
):
    mastodon_account(workspace)
    statement = approved({"mastodon": LONG})
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    http.post(f"{MASTODON}/api/v1/statuses", json=load("mastodon_status_created.json"))
    http.post(f"{MASTODON}/api/v1/statuses", status=503)
    http.post(f"{MASTODON}/api/v1/statuses", json=load("mastodon_status_created_reply.json"))

    with pytest.raises(Retry):  # the worker would run this again after a backoff
        publish_publication.apply(args=[publication.pk])
    publication.refresh_from_db()
    assert publication.status == "pending"
    assert [p["id"] for p in publication.posted] == ["117677100000000001"]
    publish_publication.apply(args=[publication.pk])  # the retry

    bodies = [json.loads(call.request.body) for call in http.calls]
    assert len(bodies) == 3
    assert [b["status"] for b in bodies] == [publication.parts[0], *[publication.parts[1]] * 2]
    assert bodies[2]["in_reply_to_id"] == "117677100000000001"
    # The same part keeps its key, so Mastodon itself would refuse a duplicate too.
    assert (
        http.calls[1].request.headers["Idempotency-Key"]
        == (http.calls[2].request.headers["Idempotency-Key"])
    )
    publication.refresh_from_db()
    assert publication.status == "posted"
    assert len(publication.posted) == 2


def test_mastodon_auth_error_fails_clearly_and_keeps_the_approved_text(
    http, workspace, comms, approved, django_capture_on_commit_callbacks
):
    mastodon_account(workspace)
    statement = approved({"mastodon": "Het spijt ons. Meer informatie: https://x.example"})
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    http.post(
        f"{MASTODON}/api/v1/statuses", status=401, json={"error": "The access token is invalid"}
    )

    publish_publication.apply(args=[publication.pk])

    assert len(http.calls) == 1  # not retried: credentials do not heal by waiting
    publication.refresh_from_db()
    assert publication.status == "failed"
    assert "401" in publication.error
    assert "access token is invalid" in publication.error
    statement.refresh_from_db()
    assert statement.status == "approved"
    assert statement.approved_texts["mastodon"].startswith("Het spijt ons.")
    assert StatementAudit.objects.filter(statement=statement, action="publish_failed").exists()
    assert not statement.incident.events.filter(data__action="published").exists()
    # Publishing again retries the failed platform.
    http.post(f"{MASTODON}/api/v1/statuses", json=load("mastodon_status_created.json"))
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    publish_publication.apply(args=[publication.pk])
    publication.refresh_from_db()
    assert publication.status == "posted"


def bluesky_account(workspace):
    publishing_account_save(
        workspace=workspace,
        channel="bluesky",
        settings={"auth_service": "https://bsky.social"},
        credentials={"identifier": "banknoord.bsky.social", "app_password": "app-pass"},
    )


def create_record_callback(request):
    body = json.loads(request.body)
    created = load("bluesky_create_record.json")
    created["uri"] = created["uri"].replace("RKEY", body["rkey"])
    created["cid"] = created["cid"][:-1] + str(len(body["record"]["text"]) % 10)
    return 200, {}, json.dumps(created)


def test_bluesky_thread_with_reply_refs_link_facets_and_record_keys(
    http, workspace, comms, approved, django_capture_on_commit_callbacks
):
    bluesky_account(workspace)
    text = "Meer informatie: https://banknoord.example/status — excuses. " + LONG
    statement = approved({"bluesky": text})
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    assert len(publication.parts) == 4
    http.post(
        f"{BSKY}/com.atproto.server.createSession", json=load("../bluesky/create_session.json")
    )
    http.get(
        f"{BSKY}/com.atproto.repo.getRecord",
        status=400,
        json=load("bluesky_get_record_not_found.json"),
    )
    http.add_callback(
        responses.POST, f"{BSKY}/com.atproto.repo.createRecord", callback=create_record_callback
    )

    publish_publication.apply(args=[publication.pk])

    creates = [json.loads(c.request.body) for c in http.calls if "createRecord" in c.request.url]
    assert len(creates) == 4
    first, second, third, _fourth = creates
    assert re.fullmatch(r"[234567a-z]{13}", first["rkey"])
    assert first["rkey"] != second["rkey"]
    assert first["repo"] == "did:plc:crs1scntrq4x7w2y5z6a3b4c"
    facet = first["record"]["facets"][0]
    raw = first["record"]["text"].encode()
    assert raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]] == (
        b"https://banknoord.example/status"
    )
    assert "reply" not in first["record"]
    publication.refresh_from_db()
    root = publication.posted[0]
    assert second["record"]["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
    assert second["record"]["reply"]["parent"] == {"uri": root["uri"], "cid": root["cid"]}
    part2 = publication.posted[1]
    assert third["record"]["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
    assert third["record"]["reply"]["parent"] == {"uri": part2["uri"], "cid": part2["cid"]}
    assert len({c["rkey"] for c in creates}) == 4
    assert publication.status == "posted"
    assert publication.url == (
        f"https://bsky.app/profile/crisiscenter-monitor.bsky.social/post/{first['rkey']}"
    )


def test_bluesky_part_already_on_the_server_is_not_posted_again(
    http, workspace, comms, approved, django_capture_on_commit_callbacks
):
    bluesky_account(workspace)
    statement = approved({"bluesky": "Het spijt ons. Meer informatie: https://banknoord.example"})
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    http.post(
        f"{BSKY}/com.atproto.server.createSession", json=load("../bluesky/create_session.json")
    )
    http.get(
        f"{BSKY}/com.atproto.repo.getRecord",
        json={"uri": "at://did:plc:crs1scntrq4x7w2y5z6a3b4c/app.bsky.feed.post/3abc",
              "cid": "bafyexisting", "value": {"text": "…"}},
    )  # fmt: skip

    publish_publication.apply(args=[publication.pk])

    assert not [c for c in http.calls if "createRecord" in c.request.url]
    publication.refresh_from_db()
    assert publication.status == "posted"
    assert publication.posted[0]["cid"] == "bafyexisting"


def x_account(workspace):
    publishing_account_save(
        workspace=workspace,
        channel="x",
        settings={"username": "banknoord"},
        credentials={
            "consumer_key": "ck", "consumer_secret": "cs", "access_token": "at",
            "access_token_secret": "ats", "bearer_token": "bearer-xyz",
        },
    )  # fmt: skip


def test_x_thread_via_create_tweet_in_reply_to(
    http, workspace, comms, approved, django_capture_on_commit_callbacks
):
    x_account(workspace)
    statement = approved({"x": LONG})
    publication = start(statement, comms, django_capture_on_commit_callbacks)
    n = len(publication.parts)
    assert n >= 3
    for _ in range(n):
        http.post("https://api.twitter.com/2/tweets", status=201, json=load("x_create_tweet.json"))

    publish_publication.apply(args=[publication.pk])

    bodies = [json.loads(c.request.body) for c in http.calls]
    assert [b["text"] for b in bodies] == publication.parts
    assert "reply" not in bodies[0]
    assert bodies[1]["reply"] == {"in_reply_to_tweet_id": "1861400000000000001"}
    assert http.calls[0].request.headers["Authorization"].startswith("OAuth ")
    publication.refresh_from_db()
    assert publication.status == "posted"
    assert publication.url == "https://x.com/banknoord/status/1861400000000000001"


def posted_publication(statement, channel: str, posted: list[dict]) -> Publication:
    Statement.objects.filter(pk=statement.pk).update(
        status="published", published_at=timezone.now()
    )
    return Publication.objects.create(
        statement=statement,
        channel=channel,
        status="posted",
        parts=["x"],
        posted=posted,
        url=posted[0]["url"],
        created_at=timezone.now(),
        published_at=timezone.now(),
    )


def test_mastodon_reactions_ingested_as_mentions_once(http, workspace, approved):
    mastodon_account(workspace)
    statement = approved({"mastodon": "Het spijt ons."})
    publication = posted_publication(
        statement,
        "mastodon",
        [
            {"id": "117677100000000001", "url": f"{MASTODON}/@b/1"},
            {"id": "117677100000000002", "url": f"{MASTODON}/@b/2"},
        ],
    )
    http.get(
        f"{MASTODON}/api/v1/statuses/117677100000000001/context", json=load("mastodon_context.json")
    )

    fetch_publication_reactions.apply(args=[publication.pk])
    fetch_publication_reactions.apply(args=[publication.pk])

    # Our own second part is not a reaction; the two replies are, stored once.
    links = StatementReaction.objects.filter(publication=publication)
    assert links.count() == 2
    assert set(links.values_list("kind", flat=True)) == {"reply"}
    mentions = Mention.objects.filter(workspace=workspace, platform="mastodon")
    assert set(mentions.values_list("external_id", flat=True)) == {
        "117677110000000000", "117677110000000001",
    }  # fmt: skip
    assert all(m.sentiment_scorer for m in mentions)  # scored by the ingest path


def test_bluesky_reactions_replies_nested_and_quotes(http, workspace, approved):
    bluesky_account(workspace)
    statement = approved({"bluesky": "Het spijt ons."})
    root_uri = "at://did:plc:crs1scntrq4x7w2y5z6a3b4c/app.bsky.feed.post/3mcyroot22222"
    publication = posted_publication(
        statement,
        "bluesky",
        [{"id": root_uri, "uri": root_uri, "cid": "bafy", "url": "https://bsky.app/x"}],
    )
    http.post(
        f"{BSKY}/com.atproto.server.createSession", json=load("../bluesky/create_session.json")
    )
    http.get(f"{BSKY}/app.bsky.feed.getPostThread", json=load("bluesky_get_post_thread.json"))
    http.get(f"{BSKY}/app.bsky.feed.getQuotes", json=load("bluesky_get_quotes.json"))

    fetch_publication_reactions.apply(args=[publication.pk])

    kinds = sorted(
        StatementReaction.objects.filter(publication=publication).values_list("kind", flat=True)
    )
    assert kinds == ["quote", "reply", "reply"]
    assert Mention.objects.filter(text__startswith="Eindelijk een reactie").exists()


def test_x_reactions_from_conversation_search_and_quotes(http, workspace, approved):
    x_account(workspace)
    statement = approved({"x": "Het spijt ons."})
    publication = posted_publication(
        statement, "x", [{"id": "1861400000000000001", "url": "https://x.com/b/status/1"}]
    )
    http.get(
        "https://api.twitter.com/2/tweets/search/recent", json=load("x_search_conversation.json")
    )
    http.get(
        "https://api.twitter.com/2/tweets/1861400000000000001/quote_tweets",
        json=load("x_quote_tweets.json"),
    )

    fetch_publication_reactions.apply(args=[publication.pk])

    assert "conversation_id%3A1861400000000000001" in http.calls[0].request.url
    assert http.calls[0].request.headers["Authorization"] == "Bearer bearer-xyz"
    kinds = sorted(
        StatementReaction.objects.filter(publication=publication).values_list("kind", flat=True)
    )
    assert kinds == ["quote", "reply", "reply"]


def test_reaction_fetch_survives_a_platform_error(http, workspace, approved):
    mastodon_account(workspace)
    statement = approved({"mastodon": "Het spijt ons."})
    publication = posted_publication(
        statement, "mastodon", [{"id": "1", "url": f"{MASTODON}/@b/1"}]
    )
    http.get(
        f"{MASTODON}/api/v1/statuses/1/context", status=404, json={"error": "Record not found"}
    )

    fetch_publication_reactions.apply(args=[publication.pk])  # logged, not raised

    assert not StatementReaction.objects.exists()


def test_tasks_skip_a_vanished_publication(http):
    publish_publication.apply(args=[987654])
    fetch_publication_reactions.apply(args=[987654])
    assert len(http.calls) == 0


def test_statement_updated_event_keys(approved):
    statement = approved({"website": "Het spijt ons."})
    event = events.statement_updated(statement).as_dict()
    assert set(event) == {
        "type", "workspace_id", "id", "incident_id", "title", "status", "version",
        "published_at", "publications",
    }  # fmt: skip
    assert event["type"] == "statement.updated"
    assert event["status"] == "approved"
    json.dumps(event)
