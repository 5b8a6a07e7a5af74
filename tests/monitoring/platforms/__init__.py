"""Replaying recorded platform responses (tests/cassettes/, see PROVENANCE.md there).

Two ways, both at the HTTP boundary only:
- `x_vcr(...)`: vcrpy plays an x/ cassette as recorded;
- `recorded(...)`: one recorded response (status, headers, decoded body) to register with
  `responses`, unchanged or with its status, headers or body altered for an unhappy path.
"""

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
import vcr
import yaml

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
# Sent when the body is replaced, so responses must not claim the recorded encoding or length.
_BODY_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


def _search_params(request: Any) -> dict[str, list[str]]:
    params = parse_qs(urlsplit(request.uri).query)
    return {k: params.get(k, []) for k in ("query", "since_id", "next_token")}


def _x_search_matcher(r1: Any, r2: Any) -> None:
    assert _search_params(r1) == _search_params(r2), "query/since_id/next_token differ"


def x_vcr(*, strict: bool) -> vcr.VCR:
    """vcrpy for x/ cassettes, never recording.

    strict: the whole query string must equal the recorded one (the generated cassette records
    exactly what XClient sends). Otherwise only `query`, `since_id` and `next_token` must:
    tweepy's own recording sent the query alone, without our fields and expansions.
    """
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        # tweepy's cassettes hold gzip bodies; under urllib3 2 vcrpy replays them still
        # compressed unless asked to decode (kevin1024/vcrpy#719).
        decode_compressed_response=True,
        match_on=["method", "scheme", "host", "path", "query" if strict else "x_search"],
    )
    recorder.register_matcher("x_search", _x_search_matcher)
    return recorder


@dataclass
class Recorded:
    status: int
    headers: dict[str, str]
    body: str
    uri: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    def register(
        self,
        rsps: responses.RequestsMock,
        method: str,
        url: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> None:
        """Serve this response at `url` (any query string), optionally altered."""
        merged = {**self.headers, **(headers or {})}
        content_type = merged.pop("content-type", "application/json")
        rsps.add(
            method,
            url,
            status=status or self.status,
            headers=merged,
            body=self.body if body is None else body,
            content_type=content_type,
        )


def recorded(name: str, index: int = 0) -> Recorded:
    """Interaction `index` of cassette `name` (vcrpy YAML or praw's JSON), body decoded."""
    path = CASSETTES / name
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    interaction = data["interactions"][index]
    response = interaction["response"]
    headers = {k.lower(): v[0] for k, v in response["headers"].items()}
    body = response["body"]["string"]
    if isinstance(body, bytes):
        body = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
        body = body.decode("utf-8")
    return Recorded(
        status=response["status"]["code"],
        headers={k: v for k, v in headers.items() if k not in _BODY_HEADERS},
        body=body,
        uri=interaction["request"]["uri"],
    )


BLUESKY_PROFILES = (
    Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "bluesky" / "get_profiles.json"
)


@contextmanager
def bluesky_http() -> Iterator[responses.RequestsMock]:
    """A `responses` mock for the Bluesky tests: getProfiles (public and authenticated host)
    answers from get_profiles.json for the actors asked; it need not be called, every other
    registration must be. Bluesky's per-process caches are emptied before and after."""
    from monitoring.platforms import bluesky

    profiles = {p["did"]: p for p in json.loads(BLUESKY_PROFILES.read_text())["profiles"]}

    def answer(request: Any) -> tuple[int, dict, str]:
        actors = parse_qs(urlsplit(request.url).query).get("actors", [])
        found = [profiles[a] for a in actors if a in profiles]
        return 200, {}, json.dumps({"profiles": found})

    bluesky.SESSIONS.clear()
    bluesky.FOLLOWERS.clear()
    with responses.RequestsMock() as mock:
        served = [
            mock.add_callback("GET", f"{host}/xrpc/app.bsky.actor.getProfiles", callback=answer)
            for host in ("https://public.api.bsky.app", "https://bsky.social")
        ]
        yield mock
        for registration in served:
            mock.remove(registration)
    bluesky.SESSIONS.clear()
    bluesky.FOLLOWERS.clear()
