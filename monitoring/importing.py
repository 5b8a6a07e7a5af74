"""Parsing pushed and imported mentions (webhook JSON, JSONL and CSV files). No Django.

One row → one NormalizedPost. Required: id, text, author, created_at. Optional: url,
platform, author_name, followers, verified, likes, reposts, replies, quotes, views, lang,
reply_to, quote_of, conversation_id. A bad row raises RowInvalid naming the field.
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from monitoring.platforms.base import NormalizedPost
from monitoring.platforms.text import text_entities

REQUIRED = ("id", "text", "author", "created_at")
MAX_TEXT = 100_000
INT_FIELDS = ("followers", "likes", "reposts", "replies", "quotes")


class RowInvalid(ValueError):
    """A row that cannot become a post; the message names the field."""


@dataclass(frozen=True)
class ParsedRow:
    number: int
    post: NormalizedPost | None
    error: str
    raw: str


def _datetime(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(row: dict[str, Any], key: str) -> int:
    value = row.get(key)
    if value in (None, ""):
        return 0
    try:
        number = int(float(value))
    except (TypeError, ValueError) as exc:
        raise RowInvalid(f"{key}: not a number ({value!r})") from exc
    if number < 0:
        raise RowInvalid(f"{key}: must not be negative")
    return number


def post_from_row(row: dict[str, Any], *, platform: str) -> NormalizedPost:
    """Map one dict (webhook item, JSONL object or CSV row) to a post; raises RowInvalid."""
    if not isinstance(row, dict):
        raise RowInvalid("row: expected an object")
    for key in REQUIRED:
        if row.get(key) in (None, ""):
            raise RowInvalid(f"{key}: required")
    text = str(row["text"])
    if len(text) > MAX_TEXT:
        raise RowInvalid(f"text: longer than {MAX_TEXT} characters")
    external_id = str(row["id"]).strip()
    if len(external_id) > 200:
        raise RowInvalid("id: longer than 200 characters")
    try:
        posted_at = _datetime(row["created_at"])
    except (ValueError, OverflowError, OSError) as exc:
        raise RowInvalid(
            f"created_at: not an ISO 8601 date or epoch ({row['created_at']!r})"
        ) from exc
    url = str(row.get("url") or "")
    if url and not url.startswith(("http://", "https://")):
        raise RowInvalid("url: must start with http:// or https://")
    views = row.get("views")
    urls, hashtags = text_entities(text)
    return NormalizedPost(
        platform=str(row.get("platform") or platform),
        external_id=external_id,
        text=text,
        posted_at=posted_at,
        url=url[:1000],
        author_handle=str(row["author"])[:200],
        author_name=str(row.get("author_name") or "")[:200],
        author_followers=_int(row, "followers"),
        author_verified=str(row.get("verified", "")).lower() in ("1", "true", "yes"),
        language=str(row.get("lang") or row.get("language") or "")[:10],
        likes=_int(row, "likes"),
        reposts=_int(row, "reposts"),
        replies=_int(row, "replies"),
        quotes=_int(row, "quotes"),
        views=_int(row, "views") if views not in (None, "") else None,
        reply_to=str(row.get("reply_to") or "")[:200],
        quote_of=str(row.get("quote_of") or "")[:200],
        conversation_id=str(row.get("conversation_id") or "")[:200],
        urls=urls,
        hashtags=hashtags,
        raw={k: v for k, v in row.items() if isinstance(k, str)},
    )


def detect_format(filename: str, head: str) -> str:
    """`jsonl` or `csv`, from the extension, else from the first character."""
    lower = filename.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith(".csv"):
        return "csv"
    return "jsonl" if head.lstrip().startswith("{") else "csv"


def iter_rows(stream: IO[str], *, fmt: str, platform: str) -> Iterator[ParsedRow]:
    """Parse a JSONL or CSV text stream row by row; bad rows come back with their error."""
    if fmt == "csv":
        reader = csv.DictReader(stream)
        missing = [k for k in REQUIRED if k not in (reader.fieldnames or [])]
        if missing:
            raise RowInvalid(f"header: missing column(s) {', '.join(missing)}")
        for number, row in enumerate(reader, start=2):
            yield _parse(number, row, platform, raw=json.dumps(row, ensure_ascii=False))
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ParsedRow(number, None, f"line {number}: invalid JSON ({exc.msg})", line)
            continue
        yield _parse(number, row, platform, raw=line.rstrip("\n"))


def _parse(number: int, row: Any, platform: str, *, raw: str) -> ParsedRow:
    try:
        return ParsedRow(number, post_from_row(row, platform=platform), "", raw)
    except RowInvalid as exc:
        return ParsedRow(number, None, f"line {number}: {exc}", raw)


def count_rows(data: str, fmt: str) -> int:
    """How many rows a file holds (for progress)."""
    lines = sum(1 for line in io.StringIO(data) if line.strip())
    return max(0, lines - 1) if fmt == "csv" else lines
