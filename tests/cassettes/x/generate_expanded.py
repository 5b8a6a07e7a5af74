"""Writes search_recent_expanded.yaml from tweepy's real recording (see PROVENANCE.md).

tweepy recorded `search_recent_tweets("Tweepy")` without fields or expansions, so its tweets
carry only id and text. This script keeps the recorded ids, texts, meta (newest_id, oldest_id,
next_token) and response headers, and adds the fields our client asks for. Values it adds are
synthetic, in X's documented shape, except `created_at`: that is decoded from each tweet's
Snowflake id, i.e. the tweet's real creation time. Run from the repository root:

    .venv/bin/python tests/cassettes/x/generate_expanded.py
"""

import copy
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "test_client_search_recent_tweets.yaml"
TARGET = HERE / "search_recent_expanded.yaml"
SINCE_ID = "1578510000000000000"  # synthetic, older than every recorded tweet
TWITTER_EPOCH_MS = 1288834974657
USERS = [
    {
        "id": "1000000000000000001",
        "username": "fixture_newsroom",
        "name": "Fixture Newsroom",
        "verified": True,
        "created_at": "2010-03-01T09:00:00.000Z",
        "public_metrics": {
            "followers_count": 120345,
            "following_count": 512,
            "tweet_count": 80211,
            "listed_count": 1204,
        },
    },
    {
        "id": "1000000000000000002",
        "username": "fixture_citizen",
        "name": "Fixture Citizen",
        "verified": False,
        "created_at": "2021-11-20T18:30:00.000Z",
        "public_metrics": {
            "followers_count": 87,
            "following_count": 301,
            "tweet_count": 1420,
            "listed_count": 0,
        },
    },
]
# What XClient sends (monitoring/platforms/x.py); the cassette is matched on the full query.
PARAMS = {
    "query": "Tweepy",
    "max_results": "10",
    "sort_order": "recency",
    "expansions": "author_id,referenced_tweets.id",
    "tweet.fields": (
        "created_at,lang,public_metrics,conversation_id,entities,referenced_tweets,"
        "in_reply_to_user_id"
    ),
    "user.fields": "username,name,public_metrics,verified,created_at",
    "since_id": SINCE_ID,
}


def snowflake_time(tweet_id: str) -> str:
    ms = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def enrich(tweets: list[dict]) -> list[dict]:
    out = []
    for i, recorded in enumerate(tweets):
        author = USERS[i % 2]
        tweet = {
            **recorded,
            "author_id": author["id"],
            "created_at": snowflake_time(recorded["id"]),
            "lang": "und" if i == len(tweets) - 1 else "en",
            "conversation_id": recorded["id"],
            "public_metrics": {
                "retweet_count": 2 * i,
                "reply_count": i,
                "like_count": 5 * i + 3,
                "quote_count": i // 2,
                "bookmark_count": 0,
                "impression_count": 100 * i + 40,
            },
        }
        out.append(tweet)
    # Tweet 0 gains a hashtag and a link (its text is extended so the entity offsets hold).
    first = out[0]
    tag_start = len(first["text"]) + 1
    first["text"] += " #tweepy https://t.co/fixture01"
    first["entities"] = {
        "hashtags": [{"start": tag_start, "end": tag_start + 7, "tag": "tweepy"}],
        "urls": [
            {
                "start": tag_start + 8,
                "end": tag_start + 30,
                "url": "https://t.co/fixture01",
                "expanded_url": "https://github.com/tweepy/tweepy",
                "display_url": "github.com/tweepy/tweepy",
            }
        ],
    }
    # Tweet 1 replies to tweet 2, tweet 3 quotes tweet 4, tweet 5 retweets tweet 6.
    out[1]["referenced_tweets"] = [{"type": "replied_to", "id": out[2]["id"]}]
    out[1]["conversation_id"] = out[2]["id"]
    out[1]["in_reply_to_user_id"] = out[2]["author_id"]
    out[3]["referenced_tweets"] = [{"type": "quoted", "id": out[4]["id"]}]
    out[5]["referenced_tweets"] = [{"type": "retweeted", "id": out[6]["id"]}]
    return out


def interaction(params: dict, body: dict, headers: dict) -> dict:
    uri = "https://api.twitter.com/2/tweets/search/recent?" + urlencode(params)
    return {
        "request": {
            "body": None,
            "headers": {"Authorization": ["Bearer <BEARER_TOKEN>"]},
            "method": "GET",
            "uri": uri,
        },
        "response": {
            "body": {"string": json.dumps(body, ensure_ascii=False)},
            "headers": copy.deepcopy(headers),
            "status": {"code": 200, "message": "OK"},
        },
    }


def main() -> None:
    recorded = yaml.safe_load(SOURCE.read_text())["interactions"][0]["response"]
    body = json.loads(gzip.decompress(recorded["body"]["string"]))
    keep = ("api-version", "content-type", "date", "server", "x-access-level")
    headers = {k: v for k, v in recorded["headers"].items() if k in keep or "rate-limit" in k}
    page_one = {"data": enrich(body["data"]), "includes": {"users": USERS}, "meta": body["meta"]}
    page_two_headers = {**headers, "x-rate-limit-remaining": ["447"]}
    cassette = {
        "interactions": [
            interaction(PARAMS, page_one, headers),
            interaction(
                {**PARAMS, "next_token": body["meta"]["next_token"]},
                {"meta": {"result_count": 0}},
                page_two_headers,
            ),
        ],
        "version": 1,
    }
    notice = "# GENERATED by generate_expanded.py from test_client_search_recent_tweets.yaml\n"
    TARGET.write_text(notice + yaml.safe_dump(cassette, allow_unicode=True, sort_keys=False))


if __name__ == "__main__":
    main()
