"""Reads behind the dashboard's charts and top lists, for one workspace and one time range.

Every query filters on (workspace, posted_at >= since), which the `mention_ws_posted` index
serves as a range scan, and aggregates in the database: on PostgreSQL buckets come from
`date_bin`, on SQLite (the embedded dev mode) from epoch arithmetic. Hashtags and matched watch
terms are JSON arrays, unnested in SQL (`jsonb_array_elements_text` / `json_each`).
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Count, DateTimeField, F, Func, Max, Q, Sum
from django.utils import timezone

from monitoring.models import Mention, WatchTerm
from monitoring.selectors import mention_author_reach
from monitoring.sentiment import NEGATIVE_THRESHOLD
from workspaces.models import Workspace


@dataclass(frozen=True)
class ChartRange:
    code: str
    span: timedelta
    bucket_seconds: int


# The dashboard's selectable ranges: last hour per minute, 24 hours per 15 minutes, 7 days per hour.
CHART_RANGES = {
    "1h": ChartRange("1h", timedelta(hours=1), 60),
    "24h": ChartRange("24h", timedelta(hours=24), 15 * 60),
    "7d": ChartRange("7d", timedelta(days=7), 60 * 60),
}
TOP_LIMIT = 10
_JSON_COLUMNS = frozenset({"hashtags", "matched_terms"})
WORD_SAMPLE = 2000  # texts read for the top words: the newest of the range
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)
STOPWORDS = frozenset(
    """de het een en van in is op dat die niet met voor zijn er maar ook als bij aan om nog
    wat dan naar ze je ik we wij jij hij zij was of door dit heb hebben heeft werd worden wordt
    kan kunnen al geen meer mijn mij me nu weer zo uit over tot toch hun haar hem u jullie
    wel echt gewoon waar hoe wie wanneer want omdat zal zou moet moeten doen doet gaan gaat
    the and for you are was were with this that have has had not but all any can our out
    your from they them their what when who how why will would there been just about into
    than then its it's i'm don't can't get got very too also more some only over again here
    http https www com amp""".split()
)


class _Bucket(Func):
    """Start of the fixed-width bucket a timestamp falls in (aligned to the Unix epoch)."""

    output_field = DateTimeField()

    def __init__(self, expression, *, seconds: int) -> None:
        super().__init__(expression)
        self.seconds = int(seconds)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = (
            f"date_bin(interval '{self.seconds} seconds', %(expressions)s, "
            "timestamptz '1970-01-01 00:00:00+00')"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # '%%%%s' → '%%s' after the template, '%s' after the backend's placeholder rewrite.
        template = (
            f"datetime((CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) / {self.seconds})"
            f" * {self.seconds}, 'unixepoch')"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def chart_range_since(*, chart_range: ChartRange, now: datetime | None = None) -> datetime:
    """First bucket start of the range (bucket-aligned, so the first bucket is whole)."""
    now = now or timezone.now()
    start = int((now - chart_range.span).timestamp())
    start -= start % chart_range.bucket_seconds
    return datetime.fromtimestamp(start, tz=UTC)


def _in_range(workspace: Workspace, since: datetime):
    return Mention.objects.filter(workspace=workspace, posted_at__gte=since)


def mention_volume(*, workspace: Workspace, chart_range: ChartRange, since: datetime) -> list[dict]:
    """Per bucket and platform: mention count, negative count and summed sentiment."""
    rows = (
        _in_range(workspace, since)
        .annotate(bucket=_Bucket("posted_at", seconds=chart_range.bucket_seconds))
        .values("bucket", "platform")
        .annotate(
            count=Count("id"),
            negative=Count("id", filter=Q(sentiment_compound__lte=NEGATIVE_THRESHOLD)),
            sentiment_sum=Sum(F("sentiment_compound")),
        )
        .order_by("bucket", "platform")
    )
    return [
        {
            "bucket": row["bucket"].isoformat(),
            "platform": row["platform"],
            "count": row["count"],
            "negative": row["negative"],
            "sentiment_sum": round(row["sentiment_sum"] or 0.0, 4),
        }
        for row in rows
    ]


def _json_array_counts(*, column: str, workspace: Workspace, since: datetime) -> list[tuple]:
    """(element, count) of a JSON-array column over the range, most frequent first."""
    # Identifiers come from this module (never from input); values are bound parameters.
    if column not in _JSON_COLUMNS:
        raise ValueError(column)
    table = Mention._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT lower(e.value) AS v, COUNT(*) AS n FROM {table} m "  # noqa: S608
            f"CROSS JOIN LATERAL jsonb_array_elements_text(m.{column}) AS e(value) "
            "WHERE m.workspace_id = %s AND m.posted_at >= %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s"
        )
    else:
        sql = (
            f"SELECT lower(e.value) AS v, COUNT(*) AS n FROM {table} m, json_each(m.{column}) e "  # noqa: S608
            "WHERE m.workspace_id = %s AND m.posted_at >= %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s"
        )
    with connection.cursor() as cursor:
        since_db = connection.ops.adapt_datetimefield_value(since)
        cursor.execute(sql, [workspace.pk, since_db, TOP_LIMIT * 5])
        return cursor.fetchall()


def _top_words(*, workspace: Workspace, since: datetime, known: set[str]) -> tuple[list[dict], int]:
    """Most frequent words of the newest texts, without stop words and without the words of
    the watch terms (every mention matches those; they are the terms list already)."""
    texts = list(
        _in_range(workspace, since)
        .order_by("-posted_at")
        .values_list("text", flat=True)[:WORD_SAMPLE]
    )
    counts: Counter[str] = Counter()
    for text in texts:
        # Counted once per mention: one shouty post does not make a trend.
        counts.update(
            {
                w
                for w in (m.lower() for m in _WORD.findall(text))
                if w not in STOPWORDS and w not in known
            }
        )
    return [{"word": w, "count": n} for w, n in counts.most_common(TOP_LIMIT)], len(texts)


def mention_top(*, workspace: Workspace, since: datetime) -> dict:
    """Top hashtags, matched watch terms, words and authors by reach over the range."""
    hashtags = [
        {"tag": tag.lstrip("#"), "count": n}
        for tag, n in _json_array_counts(column="hashtags", workspace=workspace, since=since)
        if tag
    ][:TOP_LIMIT]
    term_counts = _json_array_counts(column="matched_terms", workspace=workspace, since=since)
    names = dict(WatchTerm.objects.filter(workspace=workspace).values_list("pk", "query"))
    terms = [
        {"id": int(pk), "query": names[int(pk)], "count": n}
        for pk, n in term_counts
        if str(pk).isdigit() and int(pk) in names
    ][:TOP_LIMIT]
    known = {w.lower() for query in names.values() for w in _WORD.findall(query)}
    words, sampled = _top_words(workspace=workspace, since=since, known=known)
    authors = (
        _in_range(workspace, since)
        .exclude(author_handle="")
        .values("platform", "author_handle")
        .annotate(
            reach=Max(mention_author_reach()),
            mentions=Count("id"),
            negative=Count("id", filter=Q(sentiment_compound__lte=NEGATIVE_THRESHOLD)),
        )
        .order_by("-reach", "-mentions", "author_handle")[:TOP_LIMIT]
    )
    return {
        "hashtags": hashtags,
        "terms": terms,
        "words": words,
        "words_sampled": sampled,
        "authors": [
            {
                "platform": a["platform"],
                "author": a["author_handle"],
                "reach": a["reach"] or 0,
                "mentions": a["mentions"],
                "negative": a["negative"],
            }
            for a in authors
        ],
    }
