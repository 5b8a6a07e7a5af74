"""X: tweepy `Client.create_tweet` (user context, OAuth 1.0a; threads via in_reply_to_tweet_id),
reactions from recent search `conversation_id:<id>` (replies) and GET /2/tweets/:id/quote_tweets.

X has no idempotency key: the service records each part's id before posting the next, so a
retry resumes after the last part X confirmed. The one unavoidable gap is a crash between X
accepting a part and our commit of its id.
"""

from datetime import UTC, datetime
from functools import partial
from typing import Any

import requests
import tweepy

from monitoring.platforms.base import PlatformAuthError, PlatformBadPayload
from monitoring.platforms.x import (
    EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    XClient,
    _map_page,
    _page_body,
    _TimeoutSession,
)
from statements.publishing import Posted, Reaction

TIMEOUT = 10.0


class XPublisher(XClient):
    def __init__(self, *, credentials: dict[str, str], username: str, timeout: float = TIMEOUT):
        self.query_suffix = ""
        self.username = username or "i/web"
        self.client = tweepy.Client(
            bearer_token=credentials.get("bearer_token") or None,
            consumer_key=credentials["consumer_key"],
            consumer_secret=credentials["consumer_secret"],
            access_token=credentials["access_token"],
            access_token_secret=credentials["access_token_secret"],
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self.client.session = _TimeoutSession(timeout)
        self.can_search = bool(credentials.get("bearer_token"))

    def post(self, text: str, *, parent: Posted | None, root: Posted | None, key: str) -> Posted:
        """Post one tweet (a reply to `parent` in a thread)."""
        kwargs: dict[str, Any] = {"text": text, "user_auth": True}
        if parent is not None:
            kwargs["in_reply_to_tweet_id"] = parent.id
        response = self._send(partial(self.client.create_tweet, **kwargs), datetime.now(UTC))
        try:
            data = response.json()["data"]
            tweet_id = str(data["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformBadPayload("create_tweet: missing `data.id`") from exc
        return Posted(id=tweet_id, url=f"https://x.com/{self.username}/status/{tweet_id}")

    def reactions(self, root: Posted) -> list[Reaction]:
        """Replies in the statement's conversation and quote posts of it (needs bearer_token)."""
        if not self.can_search:
            return []
        now = datetime.now(UTC)
        fields = {
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
        }
        replies = self._send(
            partial(
                self.client.search_recent_tweets,
                f"conversation_id:{root.id}",
                max_results=100,
                user_auth=False,
                **fields,
            ),
            now,
        )
        quotes = self._send(
            partial(
                self.client.get_quote_tweets, root.id, max_results=100, user_auth=False, **fields
            ),
            now,
        )
        reactions = []
        for kind, response in (("reply", replies), ("quote", quotes)):
            posts, _rejected = _map_page(_page_body(response))
            reactions += [Reaction(kind, post) for post in posts if post.external_id != root.id]
        return reactions


def build(settings: dict[str, Any], credentials: dict[str, str]) -> XPublisher:
    needed = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    missing = [name for name in needed if not credentials.get(name)]
    if missing:
        raise PlatformAuthError(f"credentials: missing {', '.join(missing)}")
    return XPublisher(credentials=credentials, username=str(settings.get("username") or ""))
