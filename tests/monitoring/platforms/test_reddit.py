"""RedditClient against praw's recorded Reddit responses (tests/cassettes/reddit/).

praw uses requests, so `responses` serves the recorded token and listing responses; unhappy
paths change a recorded response's status, headers or body. The recordings carry no
x-ratelimit-* headers, so the rate-limit tests add them in Reddit's format.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from responses import matchers

from monitoring.platforms import reddit
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
    RateLimit,
)
from tests.monitoring.platforms import recorded

SEARCH = "reddit/TestSubreddit.test_search.json"
COMMENTS = "reddit/TestSubredditListings.test_comments.json"
NEW = "reddit/TestSubredditListings.test_new.json"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
API = "https://oauth.reddit.com"
NOW = datetime(2016, 7, 4, 0, 5, tzinfo=UTC)
NEWEST_COMMENT_SECOND = 1467590690.0
NEWEST_COMMENTS = ["t1_d4y8bdf", "t1_d4y8bdn", "t1_d4y8bdo", "t1_d4y8bdp"]
RATE_HEADERS = {
    "x-ratelimit-remaining": "575.0",
    "x-ratelimit-used": "25",
    "x-ratelimit-reset": "143",
}


def make_client(**settings) -> reddit.RedditClient:
    return reddit.build(settings, {"client_id": "id", "client_secret": "secret"})


def serve_token(rsps: responses.RequestsMock) -> None:
    recorded(SEARCH, 0).register(rsps, "POST", TOKEN_URL)


def serve_subreddit(rsps: responses.RequestsMock, name: str = "askreddit") -> None:
    recorded(NEW, 1).register(rsps, "GET", f"{API}/r/{name}/new/")
    recorded(COMMENTS, 1).register(rsps, "GET", f"{API}/r/{name}/comments/")


def serve_site_comments(rsps: responses.RequestsMock) -> None:
    # The recorded /comments listing of r/askreddit stands for r/all's: the same Listing of t1.
    recorded(COMMENTS, 1).register(rsps, "GET", f"{API}/r/all/comments/")


def serve_site_wide(rsps: responses.RequestsMock) -> None:
    """What a site-wide source reads: the search of r/all and r/all's newest comments."""
    recorded(SEARCH, 1).register(rsps, "GET", f"{API}/r/all/search/")
    serve_site_comments(rsps)


def _site_wide_source_polled(workspace):
    """A site-wide Reddit source of `workspace`, polled once at NOW."""
    from monitoring.services import source_create, source_poll

    source = source_create(
        workspace_id=workspace.pk,
        name="Reddit",
        platform="reddit",
        settings={},
        interval=60,
        credentials={"client_id": "id", "client_secret": "secret"},
    )
    source_poll(source=source, now=NOW)
    return source


def api_calls(path: str) -> list:
    return [c for c in responses.calls if c.request.url.startswith(f"{API}{path}")]


def comments(page) -> list:
    return [p for p in page.posts if p.external_id.startswith("t1_")]


def submissions(page) -> list:
    return [p for p in page.posts if p.external_id.startswith("t3_")]


@responses.activate
def test_reddit_client_maps_recorded_site_wide_search():
    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    page = make_client().fetch(cursor={}, now=NOW, query="praw oauth search")
    (call,) = api_calls("/r/all/search/")
    assert call.request.params == {
        "q": "praw oauth search",
        "sort": "new",
        "syntax": "lucene",
        "restrict_sr": "False",
        "t": "day",
        "limit": "100",
        "raw_json": "1",
    }
    assert call.request.headers["Authorization"] == "bearer <ACCESS_TOKEN>"
    # Returned oldest first.
    assert [p.external_id for p in submissions(page)] == [
        "t3_1qvzkd",
        "t3_3b4erh",
        "t3_3gpbiu",
        "t3_3qc02b",
        "t3_3x4kt2",
        "t3_4at068",
    ]
    post = submissions(page)[2]
    assert post.platform == "reddit"
    assert post.author_handle == "dClauzel"
    assert post.posted_at == datetime(2015, 8, 12, 9, 8, 34, tzinfo=UTC)
    assert post.text.startswith(
        "[PRAW][OAuth2Util] Problem using get_banned() : raise Forbidden(_raw=response)"
        "\n\n# solved\n\nProblem solved with this:"
    )
    assert post.url == (
        "https://www.reddit.com/r/redditdev/comments/3gpbiu/"
        "prawoauth2util_problem_using_get_banned_raise/"
    )
    assert (post.likes, post.replies, post.hashtags) == (0, 21, ())
    # A self post has no link of its own: the links come from its text.
    assert len(post.urls) == 11
    assert post.urls[:3] == (
        "https://oauth.reddit.com",
        "https://api.reddit.com",
        "https://oauth.reddit.com/api/v1/me.json",
    )
    assert post.conversation_id == "t3_3gpbiu"
    assert post.raw["data"]["subreddit"] == "redditdev"
    assert page.next_cursor["submissions"] == {"after_utc": 1458221634.0, "seen": ["t3_4at068"]}
    assert page.rejected == []


@responses.activate
def test_reddit_client_reads_site_wide_comments_unfiltered_for_a_site_wide_source():
    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    page = make_client().fetch(cursor={}, now=NOW, query="praw oauth search")
    (call,) = api_calls("/r/all/comments/")
    # Reddit cannot search comments: the listing is read as is, ingest matches locally.
    assert call.request.params == {"limit": "100", "raw_json": "1"}
    assert len(comments(page)) == 100
    comment = next(p for p in page.posts if p.external_id == "t1_d4y8bdp")
    assert comment.reply_to == comment.conversation_id == "t3_4r4inc"
    assert page.next_cursor == {
        "submissions": {"after_utc": 1458221634.0, "seen": ["t3_4at068"]},
        "site_comments": {"after_utc": NEWEST_COMMENT_SECOND, "seen": NEWEST_COMMENTS},
    }


@pytest.mark.django_db
@responses.activate
def test_reddit_site_wide_poll_stores_the_comments_matching_a_watch_term():
    from monitoring.models import Mention, WatchTerm
    from tests.factories import WorkspaceFactory

    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query="facebook")
    source = _site_wide_source_polled(workspace)
    stored = Mention.objects.filter(source=source)
    # Two of the 100 comments say "facebook"; no submission of the search does.
    assert sorted(stored.values_list("external_id", flat=True)) == ["t1_d4y8ae8", "t1_d4y8aka"]
    source.refresh_from_db()
    assert source.cursor["facebook"]["site_comments"]["after_utc"] == NEWEST_COMMENT_SECOND


@responses.activate
def test_reddit_client_reads_the_unfiltered_listings_once_for_several_queries():
    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    client = make_client()
    first = client.fetch(cursor={}, now=NOW, query="praw oauth search")
    second = client.fetch(cursor={}, now=NOW, query="another long query")
    # One poll (one `now`), both queries searched; r/all's newest comments are the same for
    # both: read once. The next poll reads them again.
    assert len(api_calls("/r/all/search/")) == 2
    assert len(api_calls("/r/all/comments/")) == 1
    assert len(comments(first)) == 100
    assert comments(second) == []
    # Each query's cursor takes the position reached, whichever query reads first next time.
    assert (
        second.next_cursor["site_comments"]
        == first.next_cursor["site_comments"]
        == {
            "after_utc": NEWEST_COMMENT_SECOND,
            "seen": NEWEST_COMMENTS,
        }
    )
    # The next poll has the second query only (the first one's terms were removed): it goes on
    # from the position reached, so its walk stops at the comments already returned.
    later_cursor = second.next_cursor
    later = client.fetch(cursor=later_cursor, now=NOW + timedelta(minutes=1), query="another")
    assert len(api_calls("/r/all/comments/")) == 2
    assert comments(later) == []


@pytest.mark.django_db
@responses.activate
def test_reddit_poll_with_long_watch_terms_reads_site_comments_once():
    from monitoring.models import Mention, WatchTerm
    from tests.factories import WorkspaceFactory

    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    workspace = WorkspaceFactory()
    # Long enough together to compile into more than one Reddit query (1,000 characters each).
    for n in range(40):
        WatchTerm.objects.create(workspace=workspace, query=f'"north bank complaint number {n}"')
    WatchTerm.objects.create(workspace=workspace, query="facebook")
    source = _site_wide_source_polled(workspace)
    searches = len(api_calls("/r/all/search/"))
    assert searches >= 2
    assert len(api_calls("/r/all/comments/")) == 1
    source.refresh_from_db()
    assert len(source.cursor) == searches
    positions = [cursor["site_comments"]["after_utc"] for cursor in source.cursor.values()]
    assert positions == [NEWEST_COMMENT_SECOND] * searches
    # The comments matching a watch term are still stored, once each.
    stored = Mention.objects.filter(source=source).values_list("external_id", flat=True)
    assert sorted(stored) == ["t1_d4y8ae8", "t1_d4y8aka"]


@responses.activate
def test_reddit_client_reads_new_submissions_and_comments_of_subreddits():
    serve_token(responses.mock)
    serve_subreddit(responses.mock)
    page = make_client(subreddits=["askreddit"]).fetch(cursor={}, now=NOW, query="")
    assert len(api_calls("/r/askreddit/new/")) == len(api_calls("/r/askreddit/comments/")) == 1
    assert len(page.posts) == 200
    comment = next(p for p in page.posts if p.external_id == "t1_d4y8bdp")
    assert comment.author_handle == "preppypuppy"
    assert comment.text == (
        "great, life is so much better when you can do what you enjoy for a living"
    )
    assert comment.posted_at == datetime.fromtimestamp(NEWEST_COMMENT_SECOND, UTC)
    assert comment.reply_to == comment.conversation_id == "t3_4r4inc"
    assert comment.url == "https://www.reddit.com/r/AskReddit/comments/4r4inc/_/d4y8bdp/"
    assert comment.likes == 1
    assert (comment.urls, comment.hashtags) == ((), ())
    # "[Comic from The Oatmeal](http://theoatmeal.com/comics/exposure)": the link, no ")".
    linking = next(p for p in page.posts if p.external_id == "t1_d4y8abp")
    assert linking.urls == ("http://theoatmeal.com/comics/exposure",)
    submission = next(p for p in page.posts if p.external_id == "t3_48fbm9")
    assert submission.author_handle == "RedHeadQc"
    assert (submission.likes, submission.replies) == (1, 1)
    # Four comments share the newest second: all of them are remembered.
    assert page.next_cursor["comments"] == {
        "after_utc": NEWEST_COMMENT_SECOND,
        "seen": NEWEST_COMMENTS,
    }
    assert page.next_cursor["submissions"] == {
        "after_utc": 1456821458.0,
        "seen": ["t3_48fbm9"],
    }


@pytest.mark.parametrize(
    ("settings", "query", "stream", "listing"),
    [
        ({"subreddits": ["askreddit"]}, "", "comments", "askreddit"),
        ({}, "praw", "site_comments", "all"),
    ],
)
@responses.activate
def test_reddit_client_second_poll_returns_newer_items_and_unseen_ties_only(
    settings, query, stream, listing
):
    serve_token(responses.mock)
    serve_subreddit(responses.mock)
    serve_site_wide(responses.mock)
    # Five comments were posted at 1467590677; two of them came with the previous poll.
    cursor = {stream: {"after_utc": 1467590677.0, "seen": ["t1_d4y8b4o", "t1_d4y8b4q"]}}
    page = make_client(**settings).fetch(cursor=cursor, now=NOW, query=query)
    returned = [p.external_id for p in comments(page)]
    assert returned[:3] == ["t1_d4y8b4t", "t1_d4y8b4y", "t1_d4y8b59"]
    assert len(returned) == 3 + 20  # the three unseen ties and the 20 newer comments
    assert returned[-4:] == NEWEST_COMMENTS
    assert page.next_cursor[stream] == {
        "after_utc": NEWEST_COMMENT_SECOND,
        "seen": NEWEST_COMMENTS,
    }
    # The page reached the cursor, so no older page was asked for.
    assert len(api_calls(f"/r/{listing}/comments/")) == 1


@responses.activate
def test_reddit_client_limit_holds_back_newer_items_for_the_next_poll():
    serve_token(responses.mock)
    serve_subreddit(responses.mock)
    client = make_client(subreddits=["askreddit"])
    cursor = {"comments": {"after_utc": 1467590634.0, "seen": ["t1_d4y8a9e"]}}
    batches = []
    for minute in range(4):  # four polls, each with its own time
        page = client.fetch(cursor=cursor, now=NOW + timedelta(minutes=minute), limit=40, query="")
        batches.append([p.external_id for p in comments(page)])
        cursor = page.next_cursor
    assert [len(batch) for batch in batches] == [40, 40, 19, 0]
    everything = [name for batch in batches for name in batch]
    assert len(set(everything)) == 99  # every comment but the cursor's, once
    assert cursor["comments"] == {"after_utc": NEWEST_COMMENT_SECOND, "seen": NEWEST_COMMENTS}


@responses.activate
def test_reddit_client_walks_older_pages_until_it_reaches_the_cursor():
    serve_token(responses.mock)
    recorded(NEW, 1).register(responses.mock, "GET", f"{API}/r/askreddit/new/")
    older = matchers.query_param_matcher({"after": "t1_d4y8a9e"}, strict_match=False)
    exhausted = {"kind": "Listing", "data": {"children": [], "after": None, "before": None}}
    responses.add("GET", f"{API}/r/askreddit/comments/", json=exhausted, match=[older])
    recorded(COMMENTS, 1).register(responses.mock, "GET", f"{API}/r/askreddit/comments/")
    cursor = {"comments": {"after_utc": 1467590000.0, "seen": []}}
    page = make_client(subreddits=["askreddit"]).fetch(cursor=cursor, now=NOW, query="")
    first, second = api_calls("/r/askreddit/comments/")
    assert "after" not in first.request.params
    assert second.request.params["after"] == "t1_d4y8a9e"
    assert len(comments(page)) == 100


@pytest.mark.parametrize(
    ("settings", "path", "restrict_sr"),
    [
        ({"subreddits": ["askreddit", "r/thenetherlands"]}, "askreddit+thenetherlands", "True"),
        ({"subreddits": ["askreddit"], "site_wide": True}, "all", "False"),
    ],
)
@responses.activate
def test_reddit_client_searches_within_chosen_subreddits_or_site_wide(settings, path, restrict_sr):
    serve_token(responses.mock)
    recorded(SEARCH, 1).register(responses.mock, "GET", f"{API}/r/{path}/search/")
    subreddits = "+".join(n.removeprefix("r/") for n in settings["subreddits"])
    recorded(COMMENTS, 1).register(responses.mock, "GET", f"{API}/r/{subreddits}/comments/")
    serve_site_comments(responses.mock)
    page = make_client(**settings).fetch(cursor={}, now=NOW, query="praw")
    (search,) = api_calls(f"/r/{path}/search/")
    assert search.request.params["restrict_sr"] == restrict_sr
    assert len(api_calls(f"/r/{subreddits}/comments/")) == 1
    # Site-wide, r/all's comments are read as well; a comment in both listings comes once.
    site_wide = path == "all"
    assert len(api_calls("/r/all/comments/")) == int(site_wide)
    assert set(page.next_cursor) == {"submissions", "comments"} | (
        {"site_comments"} if site_wide else set()
    )
    returned = [p.external_id for p in comments(page)]
    assert len(returned) == len(set(returned)) == 100


@pytest.mark.parametrize(
    ("age", "window"),
    [(timedelta(minutes=30), "hour"), (timedelta(hours=5), "day"), (timedelta(days=3), "week")],
)
@responses.activate
def test_reddit_client_narrows_the_search_window_to_the_cursor_age(age, window):
    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    cursor = {"submissions": {"after_utc": (NOW - age).timestamp(), "seen": []}}
    make_client().fetch(cursor=cursor, now=NOW, query="praw")
    assert api_calls("/r/all/search/")[0].request.params["t"] == window


@responses.activate
def test_reddit_client_reports_rate_limit_headers():
    serve_token(responses.mock)
    recorded(SEARCH, 1).register(
        responses.mock, "GET", f"{API}/r/all/search/", headers=RATE_HEADERS
    )
    serve_site_comments(responses.mock)
    page = make_client().fetch(cursor={}, now=NOW, query="praw")
    assert page.rate_limit == RateLimit(
        remaining=575, limit=600, reset_at=NOW + timedelta(seconds=143)
    )


@responses.activate
def test_reddit_client_sends_our_timeout_on_every_request():
    serve_token(responses.mock)
    serve_site_wide(responses.mock)
    make_client(timeout_seconds=4).fetch(cursor={}, now=NOW, query="praw")
    assert [c.request.req_kwargs["timeout"] for c in responses.calls] == [4.0, 4.0, 4.0]


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"x-ratelimit-reset": "143"}, 143.0), ({"retry-after": "30"}, 30.0), ({}, 60.0)],
)
@responses.activate
def test_reddit_client_raises_rate_limited_on_429(headers, retry_after):
    serve_token(responses.mock)
    recorded(SEARCH, 1).register(
        responses.mock,
        "GET",
        f"{API}/r/all/search/",
        status=429,
        headers=headers,
        body="Too Many Requests",
    )
    with pytest.raises(PlatformRateLimited) as caught:
        make_client().fetch(cursor={}, now=NOW, query="praw")
    assert caught.value.retry_after == retry_after


@responses.activate
def test_reddit_client_raises_unavailable_on_server_error():
    serve_token(responses.mock)
    # prawcore retries a 503 twice (sleeping 0-2 s, then 2-4 s) before giving up.
    recorded(SEARCH, 1).register(responses.mock, "GET", f"{API}/r/all/search/", status=503)
    with pytest.raises(PlatformUnavailable):
        make_client().fetch(cursor={}, now=NOW, query="praw")
    assert len(api_calls("/r/all/search/")) == 3


@pytest.mark.parametrize(
    "failure", [requests.exceptions.ReadTimeout("read timed out"), requests.ConnectionError()]
)
@responses.activate
def test_reddit_client_raises_unavailable_on_timeout_or_connection_error(failure):
    serve_token(responses.mock)
    responses.add("GET", f"{API}/r/all/search/", body=failure)
    with pytest.raises(PlatformUnavailable):
        make_client().fetch(cursor={}, now=NOW, query="praw")


@responses.activate
def test_reddit_client_raises_auth_error_when_the_token_is_refused():
    recorded(SEARCH, 0).register(
        responses.mock, "POST", TOKEN_URL, status=401, body='{"message": "Unauthorized"}'
    )
    with pytest.raises(PlatformAuthError):
        make_client().fetch(cursor={}, now=NOW, query="praw")


@responses.activate
def test_reddit_client_raises_auth_error_on_403():
    serve_token(responses.mock)
    forbidden = '{"message": "Forbidden", "error": 403}'
    recorded(SEARCH, 1).register(
        responses.mock, "GET", f"{API}/r/all/search/", status=403, body=forbidden
    )
    with pytest.raises(PlatformAuthError):
        make_client().fetch(cursor={}, now=NOW, query="praw")


@responses.activate
def test_reddit_client_raises_bad_payload_on_body_that_is_not_json():
    serve_token(responses.mock)
    recorded(SEARCH, 1).register(responses.mock, "GET", f"{API}/r/all/search/", body="<html>")
    with pytest.raises(PlatformBadPayload, match="body: not JSON"):
        make_client().fetch(cursor={}, now=NOW, query="praw")


@pytest.mark.parametrize("body", [{"kind": "Listing"}, {"data": {"after": None}}, []])
@responses.activate
def test_reddit_client_raises_bad_payload_without_the_listing_envelope(body):
    serve_token(responses.mock)
    recorded(SEARCH, 1).register(
        responses.mock, "GET", f"{API}/r/all/search/", body=json.dumps(body)
    )
    with pytest.raises(PlatformBadPayload, match=r"data\.children"):
        make_client().fetch(cursor={}, now=NOW, query="praw")


@responses.activate
def test_reddit_client_raises_bad_payload_for_a_subreddit_that_does_not_exist():
    serve_token(responses.mock)
    where = {"location": "https://oauth.reddit.com/subreddits/search?q=nosuchsub"}
    responses.add("GET", f"{API}/r/nosuchsub/new/", status=302, headers=where)
    with pytest.raises(PlatformBadPayload, match=r"settings\.subreddits"):
        make_client(subreddits=["nosuchsub"]).fetch(cursor={}, now=NOW, query="")


@responses.activate
def test_reddit_client_rejects_item_without_created_utc_and_keeps_the_rest():
    serve_token(responses.mock)
    search = recorded(SEARCH, 1)
    body = search.json()
    del body["data"]["children"][0]["data"]["created_utc"]
    search.register(responses.mock, "GET", f"{API}/r/all/search/", body=json.dumps(body))
    serve_site_comments(responses.mock)
    page = make_client().fetch(cursor={}, now=NOW, query="praw")
    assert len(submissions(page)) == 5
    assert "t3_3gpbiu" not in [p.external_id for p in page.posts]
    assert [r.reason for r in page.rejected] == ["created_utc: missing"]
    assert json.loads(page.rejected[0].raw)["data"]["name"] == "t3_3gpbiu"


@responses.activate
def test_reddit_client_stores_a_downvoted_score_as_no_likes_and_rejects_a_count_past_bigint():
    serve_token(responses.mock)
    search = recorded(SEARCH, 1)
    body = search.json()
    downvoted, huge = (child["data"] for child in body["data"]["children"][:2])
    downvoted["score"] = -12  # a Reddit score goes below zero; the likes column does not
    huge["num_comments"] = 2**64
    search.register(responses.mock, "GET", f"{API}/r/all/search/", body=json.dumps(body))
    serve_site_comments(responses.mock)
    page = make_client().fetch(cursor={}, now=NOW, query="praw")
    by_id = {p.external_id: p for p in page.posts}
    assert by_id[downvoted["name"]].likes == 0
    assert by_id[downvoted["name"]].raw["data"]["score"] == -12  # the platform's figure is kept
    assert huge["name"] not in by_id
    assert [r.reason for r in page.rejected] == [
        "num_comments: not a count ('18446744073709551616')"
    ]


@responses.activate
def test_reddit_client_puts_a_link_submission_url_then_those_of_its_title_in_urls():
    serve_token(responses.mock)
    search = recorded(SEARCH, 1)
    body = search.json()
    item = body["data"]["children"][0]["data"]
    title = "Statement over #BankNoord, live: https://example.org/live #storing"
    item.update(is_self=False, selftext="", url="https://example.org/statement", title=title)
    search.register(responses.mock, "GET", f"{API}/r/all/search/", body=json.dumps(body))
    serve_site_comments(responses.mock)
    page = make_client().fetch(cursor={}, now=NOW, query="praw")
    post = next(p for p in page.posts if p.external_id == "t3_3gpbiu")
    assert post.urls == ("https://example.org/statement", "https://example.org/live")
    assert post.hashtags == ("BankNoord", "storing")
    assert post.text == title


def test_reddit_build_requires_credentials():
    with pytest.raises(PlatformAuthError, match="client_id"):
        reddit.build({}, {})


def test_reddit_build_rejects_an_invalid_subreddit_name():
    with pytest.raises(PlatformBadPayload, match=r"settings\.subreddits"):
        reddit.build({"subreddits": ["no spaces please"]}, {"client_id": "a", "client_secret": "b"})
