"""Reads for incidents, scoped to the user's workspaces."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Avg,
    Count,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.exceptions import IncidentNotFound
from incidents.models import Claim, Incident, IncidentEvent, IncidentTask, ResponseClockPolicy
from monitoring.models import Mention
from monitoring.selectors import mention_author_reach
from workspaces.selectors import workspace_list_for_user

OPEN_STATUSES = (Incident.Status.TRIAGE, Incident.Status.ACTIVE, Incident.Status.MONITORING)
DEFAULT_RESPONSE_MINUTES = 60
NEGATIVE_COMPOUND = -0.05  # VADER's usual cut-off (monitoring.sentiment)
TREND_BUCKETS = 48


def _overdue_filter(now: datetime) -> Q:
    # A resolved or reviewed incident's clocks have stopped: its open tasks are not overdue.
    return Q(status__in=OPEN_STATUSES, tasks__done_at__isnull=True, tasks__due_at__lt=now)


def incident_overdue_now(*, incident: Incident, now: datetime | None = None) -> datetime | None:
    """The time the incident's tasks fall overdue against: now while it is open, None once
    it is resolved or reviewed (nothing falls overdue any more)."""
    return (now or timezone.now()) if incident.status in OPEN_STATUSES else None


def incident_list(
    *, user: AbstractBaseUser | AnonymousUser, workspace: str | None = None
) -> QuerySet[Incident]:
    """Incidents in the user's workspaces (optionally one, by slug), newest first, with
    `overdue_tasks` annotated."""
    qs = Incident.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return (
        qs.select_related("workspace", "commander", "playbook")
        .prefetch_related("alerts")
        .annotate(
            overdue_tasks=Count("tasks", filter=_overdue_filter(timezone.now()), distinct=True)
        )
        .order_by("-opened_at", "-id")  # explicit: Meta.ordering is dropped with GROUP BY
    )


def incident_get(*, user: AbstractBaseUser | AnonymousUser, incident_id: int) -> Incident:
    """One incident of the user's workspaces; raises IncidentNotFound (404) otherwise."""
    incident = incident_list(user=user).filter(pk=incident_id).first()
    if incident is None:
        raise IncidentNotFound(_("Incident not found."))
    return incident


def incident_alert_and_overdue_counts(
    *, incident: Incident, now: datetime | None = None
) -> tuple[int, int]:
    """(alerts linked to the incident, its open tasks whose due time has passed while the
    incident is open; 0 once resolved or reviewed), in one query."""
    alerts = Incident.alerts.through.objects.filter(incident_id=OuterRef("pk"))
    overdue = IncidentTask.objects.filter(
        incident_id=OuterRef("pk"),
        incident__status__in=OPEN_STATUSES,
        done_at__isnull=True,
        due_at__lt=now or timezone.now(),
    )
    return (
        Incident.objects.filter(pk=incident.pk).values_list(_count(alerts), _count(overdue)).get()
    )


def _count(rows: QuerySet) -> Subquery:
    """COUNT(*) of `rows` as a scalar subquery (one row even when it is zero)."""
    return Subquery(rows.order_by().annotate(n=Func(Value(1), function="COUNT")).values("n"))


def incident_mention_ids(*, incident: Incident) -> list[int]:
    """Ids of the incident's mentions: its alerts' mentions plus those attached by hand."""
    ids = {pk for ids in incident.alerts.values_list("mention_ids", flat=True) for pk in ids or []}
    ids.update(incident.mentions.values_list("pk", flat=True))
    return sorted(ids)


def incident_reach(*, mention_ids: list[int]) -> dict:
    """Reach of a set of mentions in two queries: unique authors, follower reach (each
    author counted once, at their largest reach: followers, news outlets at least
    OUTLET_MIN_REACH), engagement, mentions per platform and the hourly sentiment trend
    (last 48 hours with mentions)."""
    mentions = Mention.objects.filter(pk__in=mention_ids)
    authors = mentions.values("platform", "author_handle").annotate(
        n=Count("id"),
        followers=Max(mention_author_reach()),
        engagement=Sum(F("likes") + F("reposts") + F("replies") + F("quotes")),
    )
    per_platform: dict[str, int] = {}
    unique_authors = follower_reach = engagement = total = 0
    for row in authors:
        per_platform[row["platform"]] = per_platform.get(row["platform"], 0) + row["n"]
        unique_authors += 1
        follower_reach += row["followers"] or 0
        engagement += row["engagement"] or 0
        total += row["n"]
    trend = (
        mentions.annotate(bucket=TruncHour("posted_at"))
        .values("bucket")
        .annotate(
            n=Count("id"),
            avg=Avg("sentiment_compound"),
            negative=Count("id", filter=Q(sentiment_compound__lte=NEGATIVE_COMPOUND)),
        )
        .order_by("-bucket")[:TREND_BUCKETS]
    )
    return {
        "mentions": total,
        "unique_authors": unique_authors,
        "follower_reach": follower_reach,
        "engagement": engagement,
        "per_platform": dict(sorted(per_platform.items())),
        "sentiment_trend": [
            {
                "at": row["bucket"].isoformat(),
                "mentions": row["n"],
                "avg_compound": round(row["avg"] or 0.0, 3),
                "negative": row["negative"],
            }
            for row in reversed(list(trend))
        ],
    }


def response_clock_minutes(*, workspace_id: int, severity: int) -> int:
    """Minutes to the first public reaction for this severity (default 60)."""
    minutes = (
        ResponseClockPolicy.objects.filter(workspace_id=workspace_id, severity=severity)
        .values_list("minutes", flat=True)
        .first()
    )
    return DEFAULT_RESPONSE_MINUTES if minutes is None else minutes


def response_clock_policy_list(*, workspace_id: int) -> dict[int, int]:
    """{severity: minutes} for 1-4, defaults filled in."""
    return response_clock_policy_lists(workspace_ids=[workspace_id])[workspace_id]


def response_clock_policy_lists(*, workspace_ids: list[int]) -> dict[int, dict[int, int]]:
    """{workspace id: {severity: minutes} for 1-4, defaults filled in}, in one query."""
    stored: dict[int, dict[int, int]] = {pk: {} for pk in workspace_ids}
    for workspace_id, severity, minutes in ResponseClockPolicy.objects.filter(
        workspace_id__in=workspace_ids
    ).values_list("workspace_id", "severity", "minutes"):
        stored[workspace_id][severity] = minutes
    return {
        pk: {level: minutes.get(level, DEFAULT_RESPONSE_MINUTES) for level in range(1, 5)}
        for pk, minutes in stored.items()
    }


def incident_ids_with_breached_clock(*, now: datetime) -> list[int]:
    """Open incidents whose first public reaction is overdue and not yet recorded as breached
    (all workspaces; for the scheduled check)."""
    return list(
        Incident.objects.filter(
            status__in=OPEN_STATUSES,
            response_at__isnull=True,
            response_breached_at__isnull=True,
            response_due_at__lte=now,
        ).values_list("pk", flat=True)
    )


def incident_timeline(*, incident: Incident) -> QuerySet[IncidentEvent]:
    """The incident's timeline, newest first."""
    return incident.events.select_related("actor").order_by("-at", "-id")


def incident_task_list(*, incident: Incident) -> QuerySet[IncidentTask]:
    return incident.tasks.select_related("assignee", "done_by")


def incident_claim_list(*, incident: Incident) -> QuerySet[Claim]:
    return incident.claims.select_related("created_by", "verified_by").prefetch_related("mentions")


def incident_mention_list(*, incident: Incident, limit: int = 200) -> list[Mention]:
    """The incident's mentions, newest first; `is_attached` tells hand-attached ones."""
    attached = set(incident.mentions.values_list("pk", flat=True))
    rows = list(
        Mention.objects.filter(pk__in=incident_mention_ids(incident=incident)).order_by(
            "-posted_at", "-id"
        )[:limit]
    )
    for row in rows:
        row.is_attached = row.pk in attached
    return rows


def mention_ids_in_open_incidents(*, limit: int = 5000) -> list[int]:
    """Ids of mentions in open incidents, behind their alerts or attached by hand (all
    workspaces; for scheduled jobs). Past `limit`, the newest: their reach still grows."""
    open_incidents = Incident.objects.filter(status__in=OPEN_STATUSES)
    ids = set(
        Incident.mentions.through.objects.filter(incident__in=open_incidents).values_list(
            "mention_id", flat=True
        )
    )
    for mention_ids in open_incidents.values_list("alerts__mention_ids", flat=True):
        ids.update(mention_ids or [])
    return sorted(ids)[-limit:]


def incident_confirmed_facts(*, incident: Incident) -> QuerySet[Claim]:
    """Claims verified as confirmed facts (for statements' placeholders), oldest first."""
    return incident.claims.filter(status=Claim.Status.CONFIRMED).order_by("verified_at", "id")


def incident_ids_with_tasks_turned_overdue(*, since: datetime, now: datetime) -> list[int]:
    """Open incidents with an open task whose due time fell in (since, now] (for the
    scheduled push of `overdue_tasks`)."""
    return list(
        IncidentTask.objects.filter(
            incident__status__in=OPEN_STATUSES,
            done_at__isnull=True,
            due_at__gt=since,
            due_at__lte=now,
        )
        .values_list("incident_id", flat=True)
        .distinct()
    )
