"""The demo feed: replays a scenario file (JSONL, relative times) in real time, looping forever.

Each loop gets fresh external ids (`demo-<loop>-<id>`), so the dashboard keeps moving. The
cursor is `{"started_at": ISO, "next": k}` where k counts posts over all loops: replaying the
same cursor returns the same posts, so a retried poll duplicates nothing.
"""

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitoring.platforms.base import NormalizedPost, Page, PlatformBadPayload, setting_string

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = {"nl": "demo_nl.jsonl", "en": "demo_en.jsonl"}
LOOP_PAUSE_SECONDS = 30


@dataclass(frozen=True)
class ScenarioItem:
    id: str
    offset_seconds: float
    platform: str
    author: str
    followers: int
    text: str
    language: str
    likes: int
    reposts: int
    replies: int


def load_scenario(name: str) -> list[ScenarioItem]:
    """Read a shipped scenario by name (`nl` or `en`); raises PlatformBadPayload if unknown."""
    if name not in SCENARIOS:
        raise PlatformBadPayload(f"settings.scenario: unknown scenario {name!r}")
    items = []
    lines = (SCENARIO_DIR / SCENARIOS[name]).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            items.append(
                ScenarioItem(
                    id=str(row["id"]),
                    offset_seconds=float(row["t"]),
                    platform=row.get("platform", "x"),
                    author=row["author"],
                    followers=int(row.get("followers", 0)),
                    text=row["text"],
                    language=row.get("lang", ""),
                    likes=int(row.get("likes", 0)),
                    reposts=int(row.get("reposts", 0)),
                    replies=int(row.get("replies", 0)),
                )
            )
        except KeyError as exc:
            raise PlatformBadPayload(f"{SCENARIOS[name]} line {number}: missing {exc}") from exc
    return sorted(items, key=lambda item: item.offset_seconds)


class DemoClient:
    def __init__(self, scenario: str) -> None:
        self.items = load_scenario(scenario)
        self.loop_seconds = self.items[-1].offset_seconds + LOOP_PAUSE_SECONDS

    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page:
        """Posts due by `now` after the cursor (at most `limit`), and the cursor after them."""
        started_at = datetime.fromisoformat(cursor["started_at"]) if cursor else now
        n = len(self.items)
        k = int(cursor.get("next", 0)) if cursor else 0
        # After a long pause, skip to the current loop instead of replaying hours of backlog.
        current_loop = int((now - started_at).total_seconds() // self.loop_seconds)
        k = max(k, (current_loop - 1) * n)
        posts = []
        while len(posts) < limit:
            loop, index = divmod(k, n)
            item = self.items[index]
            due = started_at + timedelta(seconds=loop * self.loop_seconds + item.offset_seconds)
            if due > now:
                break
            posts.append(self._post(item, loop, due))
            k += 1
        return Page(posts=posts, next_cursor={"started_at": started_at.isoformat(), "next": k})

    def lookup(self, external_ids: list[str], *, now: datetime | None = None) -> Page:
        """Current state of demo posts: engagement grows with age, as it does on platforms."""
        by_id = {item.id: item for item in self.items}
        posts = []
        for external_id in external_ids:
            _prefix, loop, item_id = [*external_id.split("-", 2), "", ""][:3]
            item = by_id.get(item_id)
            if item is None or not loop.isdigit():
                continue
            post = self._post(item, int(loop), now or datetime.now(UTC))
            growth = 2  # a looked-up post has been seen spreading: double its counts
            posts.append(
                replace(
                    post,
                    likes=item.likes * growth,
                    reposts=item.reposts * growth,
                    replies=item.replies * growth,
                )
            )
        return Page(posts=posts, next_cursor={})

    @staticmethod
    def _post(item: ScenarioItem, loop: int, due: datetime) -> NormalizedPost:
        external_id = f"demo-{loop}-{item.id}"
        return NormalizedPost(
            platform=item.platform,
            external_id=external_id,
            url=f"https://example.org/demo/{item.platform}/{external_id}",
            text=item.text,
            posted_at=due,
            author_handle=item.author,
            author_name=item.author,
            author_followers=item.followers,
            language=item.language,
            likes=item.likes,
            reposts=item.reposts,
            replies=item.replies,
            raw={"scenario_id": item.id, "loop": loop},
        )


SETTINGS_KEYS = ("scenario",)


def build(settings: dict[str, Any], credentials: dict[str, str]) -> DemoClient:
    """The demo client for a source's settings (`{"scenario": "nl" | "en"}`)."""
    return DemoClient(scenario=setting_string(settings, "scenario", default="nl"))
