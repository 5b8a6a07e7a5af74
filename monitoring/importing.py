"""Parsing pushed and imported mentions (webhook JSON, JSONL and CSV files). No database.

One row → one NormalizedPost. Required: id, text, author, created_at. Optional: url,
platform (one of PUSHED_PLATFORMS), author_name, followers (or author_followers), verified (or
author_verified: yes/no, true/false, ja/nee, 1/0), author_created_at, likes, reposts, replies,
quotes, views (counts: whole numbers from 0 to PostgreSQL's bigint: integers, 12.0 or digits;
not 1.5, "1.234" or true), lang (or language), reply_to, quote_of, repost_of,
conversation_id, urls and hashtags (a JSON array, or text separated by spaces or commas;
without them, those written in the text are taken).
Texts are JSON strings (null or left out where optional), ids (id, reply_to, quote_of,
repost_of, conversation_id) a string or an integer, dates a string or epoch seconds; NULs and
lone surrogates are dropped from texts (as "?"), a row's own id holding one is refused. A bad
row raises RowInvalid naming the field. JSON is read strictly (`json_loads`).
"""

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from monitoring import csv_files
from monitoring.dates import date_in_range
from monitoring.models import Platform
from monitoring.platforms.base import MAX_COUNT, NormalizedPost
from monitoring.platforms.text import (
    is_http_url,
    storable_text,
    text_entities,
    unique_entities,
)

REQUIRED = ("id", "text", "author", "created_at")
# What a pushed or imported post may name as its platform (not the demo feed's).
PUSHED_PLATFORMS = tuple(code for code in Platform.values if code != Platform.DEMO)
MAX_TEXT = 100_000
# Levels of objects and arrays a row may nest (the raw payload is kept as it came, and Python's
# recursion limit is near 1,000 levels; platforms' items nest fewer than 10).
MAX_NESTING = 100
_YES = frozenset({"1", "true", "yes", "y", "ja", "j"})
_NO = frozenset({"0", "false", "no", "n", "nee", ""})
# Between listed URLs: spaces, or a comma before the next URL (a comma inside a URL stays).
_URL_SEPARATOR = re.compile(r"\s+|,\s*(?=https?://)", re.IGNORECASE)
_TAG_SEPARATOR = re.compile(r"[\s,]+")
_HASHTAG = re.compile(r"#?\w+")
_DIGITS = re.compile(r"\s*[+-]?[0-9]+\s*")


class RowInvalid(ValueError):
    """A row that cannot become a post; the message names the field."""


class JsonUnreadable(ValueError):
    """JSON text `json_loads` does not read; the message says why."""


def _refuse_constant(name: str) -> Any:
    raise JsonUnreadable(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonUnreadable(f"{text[:40]} is out of range")
    return value


def json_loads(text: str | bytes) -> Any:
    """json.loads for pushed and imported JSON, which raises only JsonUnreadable: also for
    NaN, Infinity and numbers past a float's range (1e400; not JSON, and PostgreSQL's jsonb
    refuses them), nesting deeper than Python's recursion limit and integers of more than
    4,300 digits (`sys.get_int_max_str_digits`)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except JsonUnreadable:
        raise
    except json.JSONDecodeError as exc:
        raise JsonUnreadable(exc.msg) from exc
    except UnicodeDecodeError as exc:
        raise JsonUnreadable("not UTF-8") from exc
    except RecursionError as exc:
        raise JsonUnreadable("nested too deeply") from exc
    except ValueError as exc:  # the integer digit limit: json.loads raises nothing else
        raise JsonUnreadable("a number too long to read") from exc


def _shown(value: Any) -> str:
    """A value in a message: quoted, at most 40 characters."""
    return repr(str(value)[:40])


@dataclass(frozen=True)
class ParsedRow:
    number: int
    post: NormalizedPost | None
    error: str
    raw: str


def _datetime(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("not a date")  # true was 1970-01-01, a list its repr
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "an array" if isinstance(value, list) else "an object"


def _text(row: dict[str, Any], key: str, *, limit: int | None = 200, integer: bool = False) -> str:
    """A text column as storable (`storable_text`), at most `limit` characters; '' when the row
    leaves it out or null; an `integer` column (a post's id) also takes an integer. Raises
    RowInvalid for another JSON type (a list was stored as its repr)."""
    value = row.get(key)
    if value is None:
        return ""
    if integer and type(value) is int:  # not a boolean
        return str(value)[:limit]
    if not isinstance(value, str):
        kind = "a string or an integer" if integer else "a string"
        raise RowInvalid(f"{key}: expected {kind}, not {_json_type(value)}")
    return storable_text(value)[:limit]


def _external_id(row: dict[str, Any]) -> str:
    """The row's id, refused (not cleaned: two ids must not become one) when it holds what
    PostgreSQL cannot store."""
    external_id = _text(row, "id", limit=None, integer=True).strip()
    if external_id != str(row["id"]).strip():
        raise RowInvalid("id: holds a NUL or a lone surrogate, which cannot be stored")
    if len(external_id) > 200:
        raise RowInvalid("id: longer than 200 characters")
    return external_id


def _key(row: dict[str, Any], *names: str) -> str:
    """The first of `names` the row fills in (the first name when none is)."""
    return next((name for name in names if row.get(name) not in (None, "")), names[0])


def _date(value: Any, key: str) -> datetime:
    try:
        return _datetime(value)
    except (ValueError, OverflowError, OSError) as exc:
        raise RowInvalid(f"{key}: not an ISO 8601 date or epoch ({_shown(value)})") from exc


def _posted_at(value: Any) -> datetime:
    """created_at, in the range of monitoring/dates.py (ingest stores a later one than now as
    now, but refuses one out of range, and would make it a dead letter without the field)."""
    posted_at = _date(value, "created_at")
    if not date_in_range(posted_at):
        raise RowInvalid(f"created_at: out of range ({_shown(value)})")
    return posted_at


def _bool(row: dict[str, Any], key: str) -> bool:
    value = row.get(key)
    text = "" if value is None else str(value).strip().lower()
    if text in _YES | _NO:
        return text in _YES
    raise RowInvalid(f"{key}: not yes or no ({_shown(value)})")


def _list(row: dict[str, Any], key: str, separator: re.Pattern[str]) -> list[str] | None:
    """A list column: a JSON array (also as CSV text) or text split by `separator`; None when
    the row leaves it out or empty."""
    value = row.get(key)
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json_loads(value)
        except JsonUnreadable as exc:
            raise RowInvalid(f"{key}: not a JSON array ({exc})") from exc
    elif isinstance(value, str):
        value = [part.rstrip(",") for part in separator.split(value.strip())]
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RowInvalid(f"{key}: expected a list of texts")
    return [item.strip() for item in value if item.strip()] or None


def _entities(row: dict[str, Any], text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The row's urls and hashtags if it lists them, else those written in its text."""
    urls = _list(row, "urls", _URL_SEPARATOR)
    hashtags = _list(row, "hashtags", _TAG_SEPARATOR)
    for url in urls or ():
        if not is_http_url(url):
            raise RowInvalid(f"urls: not an http(s) URL ({url[:200]!r})")
    for tag in hashtags or ():
        if not _HASHTAG.fullmatch(tag):
            raise RowInvalid(f"hashtags: not a hashtag ({tag[:200]!r})")
    found_urls, found_tags = text_entities(text)
    return (
        found_urls if urls is None else unique_entities(urls),
        found_tags if hashtags is None else unique_entities(hashtags, hashtags=True),
    )


def _whole(value: Any, key: str) -> int:
    """A count as given: an integer as it is (through a float, 2^63 - 1 would round up), a
    whole float (12.0, 1e300) or a string of digits. Not a fraction, a string with a point
    ("1.234" is a Dutch 1234, not 1) nor a boolean: each was cut to its whole part."""
    if type(value) is int:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        try:
            return int(value)
        except ValueError:
            pass  # over 4,300 digits (`sys.get_int_max_str_digits`): infinite as a float
    try:
        number = float(value)  # "nan", "inf", "1e400": not a number
    except (TypeError, ValueError) as exc:
        raise RowInvalid(f"{key}: not a number ({_shown(value)})") from exc
    if not math.isfinite(number):
        raise RowInvalid(f"{key}: not a number ({_shown(value)})")
    if isinstance(value, bool | str) or not number.is_integer():
        raise RowInvalid(f"{key}: expected a whole number ({_shown(value)})")
    return int(number)


def _int(row: dict[str, Any], key: str) -> int:
    value = row.get(key)
    if value in (None, ""):
        return 0
    number = _whole(value, key)
    if number < 0:
        raise RowInvalid(f"{key}: must not be negative")
    if number > MAX_COUNT:
        raise RowInvalid(f"{key}: larger than {MAX_COUNT}")
    return number


def _nested_deeper(value: Any, limit: int) -> bool:
    """Whether `value` nests objects and arrays more than `limit` levels deep (without
    recursion: no level of it can exhaust the stack)."""
    level, containers = 0, [value]
    while containers:
        level += 1
        if level > limit:
            return True
        containers = [
            item
            for container in containers
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, dict | list)
        ]
    return False


def post_from_row(row: dict[str, Any], *, platform: str) -> NormalizedPost:
    """Map one dict (webhook item, JSONL object or CSV row) to a post; raises RowInvalid."""
    if not isinstance(row, dict):
        raise RowInvalid("row: expected an object")
    if _nested_deeper(row, MAX_NESTING):
        raise RowInvalid(f"row: nested deeper than {MAX_NESTING} levels")
    for key in REQUIRED:
        value = row.get(key)
        if value is None or (isinstance(value, str) and not storable_text(value).strip()):
            raise RowInvalid(f"{key}: required")
    platform = _text(row, "platform", limit=None) or platform
    if platform not in PUSHED_PLATFORMS:
        raise RowInvalid(f"platform: not one of {', '.join(PUSHED_PLATFORMS)} ({platform[:40]!r})")
    text = _text(row, "text", limit=None)
    if len(text) > MAX_TEXT:
        raise RowInvalid(f"text: longer than {MAX_TEXT} characters")
    external_id = _external_id(row)
    url = _text(row, "url", limit=None)
    if url and not url[:8].lower().startswith(("http://", "https://")):  # schemes ignore case
        raise RowInvalid("url: must start with http:// or https://")
    views, author_created = row.get("views"), row.get("author_created_at")
    urls, hashtags = _entities(row, text)
    return NormalizedPost(
        platform=platform,
        external_id=external_id,
        text=text,
        posted_at=_posted_at(row["created_at"]),
        url=url[:1000],
        author_handle=_text(row, "author"),
        author_name=_text(row, "author_name"),
        author_followers=_int(row, _key(row, "followers", "author_followers")),
        author_verified=_bool(row, _key(row, "verified", "author_verified")),
        author_created_at=(
            None if author_created in (None, "") else _date(author_created, "author_created_at")
        ),
        language=_text(row, _key(row, "lang", "language"), limit=10),
        likes=_int(row, "likes"),
        reposts=_int(row, "reposts"),
        replies=_int(row, "replies"),
        quotes=_int(row, "quotes"),
        views=_int(row, "views") if views not in (None, "") else None,
        reply_to=_text(row, "reply_to", integer=True),
        quote_of=_text(row, "quote_of", integer=True),
        repost_of=_text(row, "repost_of", integer=True),
        conversation_id=_text(row, "conversation_id", integer=True),
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
        yield from _csv_rows(stream, platform)
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json_loads(line)
        except JsonUnreadable as exc:
            yield ParsedRow(number, None, f"line {number}: invalid JSON ({exc})", line)
            continue
        yield _parse(number, row, platform, raw=line.rstrip("\n"))


def _csv_rows(stream: IO[str], platform: str) -> Iterator[ParsedRow]:
    """`iter_rows` of a CSV stream (`csv_files` reads it); raises RowInvalid where it stops."""
    csv_files.allow_long_fields()
    lines, dialect = csv_files.lines_and_dialect(stream, REQUIRED)
    reader = csv.DictReader(lines, **dialect)
    try:
        fieldnames = csv_files.header_names(reader.fieldnames or [])  # reads the header
    except csv.Error as exc:
        raise RowInvalid(f"header: {exc}") from exc
    reader.fieldnames = fieldnames
    missing = [k for k in REQUIRED if k not in fieldnames]
    if missing:
        raise RowInvalid(f"header: missing column(s) {', '.join(missing)}")
    try:
        for number, row in enumerate(csv_files.read_on(reader, lines), start=2):
            if isinstance(row, csv.Error):
                yield ParsedRow(number, None, f"line {number}: {row}", "")
                continue
            yield _parse(number, row, platform, raw=json.dumps(row, ensure_ascii=False))
    except csv_files.RecordsStopped as exc:
        raise RowInvalid(str(exc)) from exc


def _parse(number: int, row: Any, platform: str, *, raw: str) -> ParsedRow:
    try:
        return ParsedRow(number, post_from_row(row, platform=platform), "", raw)
    except RowInvalid as exc:
        return ParsedRow(number, None, f"line {number}: {exc}", raw)


def count_rows(data: str, fmt: str) -> int:
    """How many rows a file holds (for progress): JSONL lines that are not blank, or CSV
    records after the header, counted as `iter_rows` reads them (a quoted field may hold
    line breaks; blank lines are skipped)."""
    if fmt != "csv":
        return sum(1 for line in io.StringIO(data) if line.strip())
    csv_files.allow_long_fields()
    records = 0
    try:
        lines, dialect = csv_files.lines_and_dialect(io.StringIO(data), REQUIRED)
        for record in csv_files.read_on(csv.reader(lines, **dialect), lines):
            records += record != []
    except csv_files.RecordsStopped:
        pass  # the import stops there too
    return max(0, records - 1)
