"""Reads for monitoring, always scoped to the user's workspaces."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    PositiveBigIntegerField,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from monitoring.credentials import CredentialsUnreadable, credentials_decrypt
from monitoring.exceptions import AlertNotFound, SourceNotFound
from monitoring.models import (
    Alert,
    AlertRule,
    DeadLetter,
    ImportJob,
    Mention,
    Source,
    WatchTerm,
)
from monitoring.platforms import MODULES
from monitoring.query import Query, QuerySyntaxError, parse_query
from monitoring.risk import risk_terms_found
from monitoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from monitoring.severity import OUTLET_MIN_REACH, SeverityInput
from workspaces.selectors import workspace_list_for_user

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class MentionFilters:
    workspace: str | None = None
    platform: str | None = None
    sentiment_min: float | None = None
    sentiment_max: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    language: str | None = None
    min_followers: int | None = None
    ids: list[int] | None = None
    sentiment: str | None = None  # a label: negative, neutral or positive
    term: int | None = None  # a watch term's id: mentions that matched it


def source_get_for_poll(*, source_id: int) -> Source | None:
    """The enabled source to poll, or None if it is gone or disabled."""
    return Source.objects.filter(pk=source_id, is_enabled=True).first()


def source_get(*, workspace_id: int, source_id: int) -> Source | None:
    """One of the workspace's sources, or None."""
    return Source.objects.filter(workspace_id=workspace_id, pk=source_id).first()


def source_credentials(*, source: Source) -> dict[str, str]:
    """The source's decrypted secrets (never serialise these to a user); raises
    CredentialsUnreadable (a PlatformAuthError) if the key changed."""
    return credentials_decrypt(source.credentials_encrypted)


def source_credential_keys(*, source: Source) -> list[str] | None:
    """The names of the source's stored secrets (safe to show: never the values); None if
    they cannot be decrypted (the key changed: an admin must enter them again)."""
    try:
        return sorted(credentials_decrypt(source.credentials_encrypted))
    except CredentialsUnreadable:
        return None


def source_list(*, user: User, workspace: str | None = None) -> QuerySet[Source]:
    """Sources in the user's workspaces (optionally one, by slug)."""
    qs = Source.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").order_by("workspace__name", "name")


def watch_term_list(*, user: User, workspace: str | None = None) -> QuerySet[WatchTerm]:
    """Watch terms in the user's workspaces (optionally one, by slug)."""
    qs = WatchTerm.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").order_by("query")


@lru_cache(maxsize=4096)
def _parsed_query(text: str) -> Query | None:
    # Queries are immutable: parse each text once per process, not once per page.
    try:
        return parse_query(text)
    except QuerySyntaxError:
        return None


_WATCH_TERMS_SQL = (
    f"SELECT id, query FROM {WatchTerm._meta.db_table} "  # noqa: S608 - a constant name
    "WHERE workspace_id = %s AND is_enabled ORDER BY id"  # a stable order: compiled queries too
)


def watch_term_queries(*, workspace_id: int) -> dict[int, Query]:
    """Parsed enabled watch terms of a workspace by id (unparseable ones are skipped)."""
    # Read for every ingested page: one plain statement, as building it through the ORM costs
    # about three times the round trip (bench/README.md).
    with connection.cursor() as cursor:
        cursor.execute(_WATCH_TERMS_SQL, [workspace_id])
        parsed = {pk: _parsed_query(text) for pk, text in cursor.fetchall()}
    return {pk: query for pk, query in parsed.items() if query is not None}


def dead_letter_list(*, user: User, workspace: str | None = None) -> QuerySet[DeadLetter]:
    """Dead letters in the user's workspaces, newest first."""
    qs = DeadLetter.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace", "source")


def source_ids_due(*, now: datetime) -> list[int]:
    """Enabled sources that hold no lease and are due: their `next_poll_at` has come, or (none
    set) their interval has passed since their last poll. A source paused until a platform's
    rate-limit reset is not due before it. Sources that are pushed to (webhook, import) are
    never polled."""
    sources = Source.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now),
        is_enabled=True,
        platform__in=list(MODULES),
    )
    return [
        s.pk
        for s in sources.only(
            "pk", "last_polled_at", "poll_interval_seconds", "next_poll_at"
        ).order_by("pk")
        if s.next_poll_at is not None
        or s.last_polled_at is None
        or s.last_polled_at + timedelta(seconds=s.poll_interval_seconds) <= now
    ]


UNKNOWN_LANGUAGE = "und"
# Sentiment labels as compound ranges (`sentiment_label`'s cut-offs).
_SENTIMENT_LABELS = {
    "negative": Q(sentiment_compound__lte=NEGATIVE_THRESHOLD),
    "neutral": Q(
        sentiment_compound__gt=NEGATIVE_THRESHOLD, sentiment_compound__lt=POSITIVE_THRESHOLD
    ),
    "positive": Q(sentiment_compound__gte=POSITIVE_THRESHOLD),
}


def mention_list(*, user: User, filters: MentionFilters) -> QuerySet[Mention]:
    """Mentions in the user's workspaces, filtered, newest first."""
    qs = Mention.objects.filter(workspace__in=workspace_list_for_user(user=user)).select_related(
        "workspace"
    )
    if filters.workspace:
        qs = qs.filter(workspace__slug=filters.workspace)
    if filters.platform:
        qs = qs.filter(platform=filters.platform)
    if filters.sentiment_min is not None:
        qs = qs.filter(sentiment_compound__gte=filters.sentiment_min)
    if filters.sentiment_max is not None:
        qs = qs.filter(sentiment_compound__lte=filters.sentiment_max)
    if filters.since:
        qs = qs.filter(posted_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(posted_at__lt=filters.until)
    if filters.sentiment:
        qs = qs.filter(_SENTIMENT_LABELS[filters.sentiment])
    if filters.text:  # the dashboard's text box looks in the post and at who wrote it
        qs = qs.filter(Q(text__icontains=filters.text) | Q(author_handle__icontains=filters.text))
    if filters.language:
        # Mentions stored before language detection covered every platform may have none.
        unknown = filters.language == UNKNOWN_LANGUAGE
        qs = qs.filter(language__in=["", UNKNOWN_LANGUAGE] if unknown else [filters.language])
    if filters.term is not None:
        if connection.vendor == "postgresql":
            qs = qs.filter(matched_terms__contains=[filters.term])
        else:  # SQLite has no JSON containment: as JSON text, "[3, 12]" holds 12, not 2
            qs = qs.alias(terms_text=Cast("matched_terms", TextField())).filter(
                terms_text__regex=rf"[\[\s]{int(filters.term)}[,\]]"
            )
    if filters.ids:
        qs = qs.filter(pk__in=filters.ids)
    if filters.min_followers is not None:  # a news outlet counts with its reach (see below)
        qs = qs.alias(reach=mention_author_reach()).filter(reach__gte=filters.min_followers)
    return qs.order_by("-posted_at", "-id")


def alert_list(*, user: User, workspace: str | None = None) -> QuerySet[Alert]:
    """Alerts in the user's workspaces (optionally one, by slug), newest first."""
    qs = Alert.objects.filter(workspace__in=workspace_list_for_user(user=user)).select_related(
        "workspace"
    )
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.order_by("-created_at", "-id")


def import_job_get_for_run(*, job_id: int) -> ImportJob | None:
    """The import job to run, or None if it is gone or finished."""
    return ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).first()


def import_job_list(*, user: User, workspace: str | None = None) -> QuerySet[ImportJob]:
    """Import jobs in the user's workspaces, newest first (content deferred)."""
    qs = ImportJob.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").defer("content")


def webhook_source_get(*, source_id: int) -> Source:
    """The enabled webhook source; raises SourceNotFound (404) otherwise (no existence leak)."""
    source = Source.objects.filter(pk=source_id, platform="webhook", is_enabled=True).first()
    if source is None:
        raise SourceNotFound(_("Source not found."))
    return source


def mention_author_reach() -> Case:
    """A mention's author reach, as a query expression for sums and rankings: the follower
    count, and at least OUTLET_MIN_REACH for a news outlet (a hostile article reaches far)."""
    return Case(
        When(
            author_is_outlet=True,
            author_followers__lt=OUTLET_MIN_REACH,
            then=Value(OUTLET_MIN_REACH),
        ),
        default=F("author_followers"),
        output_field=PositiveBigIntegerField(),
    )


def severity_input_for(*, mention_ids: list[int], window_minutes: float) -> SeverityInput:
    """Reach, authors, negativity and velocity of a set of mentions (for severity)."""
    rows = Mention.objects.filter(pk__in=mention_ids)
    agg = rows.aggregate(
        n=Count("id"),
        negative=Count("id", filter=Q(sentiment_compound__lte=NEGATIVE_THRESHOLD)),
        engagement=Sum(F("likes") + F("reposts") + F("replies") + F("quotes")),
        first=Min("posted_at"),
        last=Max("posted_at"),
    )
    per_author = rows.values("author_handle").annotate(reach=Max(mention_author_reach()))
    followers = sum(a["reach"] or 0 for a in per_author)
    n = agg["n"] or 0
    return SeverityInput(
        followers=followers,
        engagement=agg["engagement"] or 0,
        unique_authors=len(per_author),
        negative_share=(agg["negative"] / n) if n else 0.0,
        mentions_per_minute=n / max(window_minutes, 1.0),
        has_risk_term=any(
            risk_terms_found(text) for text in rows.values_list("text", flat=True)[:200]
        ),
    )


def alert_get(*, user: User, alert_id: int) -> Alert:
    """One alert in the user's workspaces; raises AlertNotFound (404) otherwise."""
    alert = alert_list(user=user).filter(pk=alert_id).first()
    if alert is None:
        raise AlertNotFound(_("Alert not found."))
    return alert


def alert_rule_list(*, user: User, workspace: str | None = None) -> QuerySet[AlertRule]:
    """Alert rules in the user's workspaces (optionally one, by slug)."""
    qs = AlertRule.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").order_by("name")
