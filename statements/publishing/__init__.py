"""Clients that post statements to platforms and read the reactions (HTTP only, no ORM).

Each client has `post(text, *, parent, root, key) -> Posted` and
`reactions(root: Posted) -> list[Reaction]`; failures raise monitoring.platforms.base errors
(PlatformUnavailable and PlatformRateLimited are transient). Reactions are mapped to
NormalizedPost with the monitoring clients' own mappers, so they ingest like any mention.
CrisisCenter never deletes anything from a platform: no client has a delete call.
"""

from dataclasses import dataclass
from typing import Any

from monitoring.platforms.base import NormalizedPost, PlatformAuthError


@dataclass(frozen=True)
class Posted:
    """One posted part: the platform's id, its public URL, and (Bluesky) uri and cid."""

    id: str
    url: str
    uri: str = ""
    cid: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "url": self.url, "uri": self.uri, "cid": self.cid}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Posted":
        return cls(
            id=data["id"], url=data.get("url", ""), uri=data.get("uri", ""), cid=data.get("cid", "")
        )


@dataclass(frozen=True)
class Reaction:
    kind: str  # reply | quote
    post: NormalizedPost


def publisher_build(channel: str, settings: dict[str, Any], credentials: dict[str, str]) -> Any:
    """The client for a publishing account; PlatformAuthError if credentials are incomplete."""
    from statements.publishing import bluesky, mastodon, x

    builders = {"x": x.build, "mastodon": mastodon.build, "bluesky": bluesky.build}
    if channel not in builders:
        raise PlatformAuthError(f"{channel}: no publishing client")
    return builders[channel](settings or {}, credentials or {})
