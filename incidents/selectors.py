"""Reads for incidents, scoped to the user's workspaces."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Avg,
    Count,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Concat, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.exceptions import IncidentNotFound
from incidents.models import (
    RUN_ROLES,
    Claim,
    EvaluationActionItem,
    Incident,
    IncidentEvaluation,
    IncidentEvent,
    IncidentTask,
    ResponseClockPolicy,
)
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


def incident_evaluation_open(*, incident: Incident) -> bool:
    """Whether the evaluation may be written now: while the incident is resolved (before,
    there is nothing to evaluate; after review, it is final)."""
    return incident.status == Incident.Status.RESOLVED


def incident_evaluation_editable(*, incident: Incident, role: str | None) -> bool:
    """Whether a member with `role` may write the evaluation now (crisis team and admins)."""
    return role in RUN_ROLES and incident_evaluation_open(incident=incident)


def incident_evaluation_get(*, incident: Incident) -> IncidentEvaluation | None:
    """The incident's evaluation with its authors and action items (owners loaded), or None;
    two queries."""
    items = EvaluationActionItem.objects.select_related("owner")
    return (
        IncidentEvaluation.objects.filter(incident=incident)
        .select_related("created_by", "updated_by")
        .prefetch_related(Prefetch("action_items", queryset=items))
        .first()
    )


K = IncidentEvent.Kind
# Timeline events an evaluation looks back on (the report lists them).
KEY_EVENT_KINDS = (K.STATUS, K.COMMANDER, K.CLOCK, K.STATEMENT, K.ESCALATION, K.ACKNOWLEDGEMENT)


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else round(delta.total_seconds())


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _mention_numbers(incident: Incident) -> dict:
    """Mentions, unique authors and the negative share before and after the first public
    reaction (all of them count as "before" while there is none): three queries."""
    negative = Q(sentiment_compound__lte=NEGATIVE_COMPOUND)
    cut = incident.response_at
    before = Q(posted_at__lt=cut) if cut else Q(pk__isnull=False)
    after = Q(posted_at__gte=cut) if cut else Q(pk__isnull=True)
    row = Mention.objects.filter(pk__in=incident_mention_ids(incident=incident)).aggregate(
        mentions=Count("id"),
        unique_authors=Count(Concat("platform", Value(" "), "author_handle"), distinct=True),
        before=Count("id", filter=before),
        before_negative=Count("id", filter=before & negative),
        after=Count("id", filter=after),
        after_negative=Count("id", filter=after & negative),
    )
    trend = (incident.reach or {}).get("sentiment_trend") or []
    return {
        "mentions": row["mentions"],
        "unique_authors": row["unique_authors"],
        "follower_reach": (incident.reach or {}).get("follower_reach", 0),
        "peak_mentions_per_hour": max((bucket["mentions"] for bucket in trend), default=0),
        "negative_share_before_reaction": _share(row["before_negative"], row["before"]),
        "negative_share_after_reaction": _share(row["after_negative"], row["after"]),
        "mentions_after_reaction": row["after"] if cut else None,
    }


def _timeline_numbers(events: list[dict]) -> dict:
    """Statements published and escalations (started, acknowledged, time to the first
    acknowledgement) as the timeline recorded them: incidents reads no statement or
    escalation rows (they depend on incidents, not the other way)."""
    published = [
        e for e in events if e["kind"] == K.STATEMENT and e["data"].get("action") == "published"
    ]
    started: dict = {}
    acknowledged: dict = {}
    for e in events:
        run = e["data"].get("run_id")
        if e["kind"] == K.ESCALATION and run is not None:
            started.setdefault(run, e["at"])
        elif e["kind"] == K.ACKNOWLEDGEMENT and run is not None:
            acknowledged.setdefault(run, e["at"])
    first_run = min(started, key=started.get) if started else None
    return {
        "statements_published": len({e["data"].get("statement_id", e["id"]) for e in published}),
        "first_statement_at": published[0]["at"] if published else None,
        "escalations": len(started),
        "escalations_acknowledged": len(acknowledged.keys() & started.keys()),
        "time_to_acknowledge": _seconds(
            acknowledged[first_run] - started[first_run] if first_run in acknowledged else None
        ),
    }


def incident_evaluation_numbers(*, incident: Incident) -> dict:
    """The evaluation's numbers, computed from the incident's record in five queries however
    many mentions and events it has: the clocks (seconds), mentions and reach, the negative
    share before and after the first public reaction, statements, escalations, tasks, and
    the key timeline events (oldest first) the report lists."""
    closed_at = incident.resolved_at
    due = incident.response_due_at
    reference = incident.response_at or closed_at or timezone.now()
    events = list(
        incident.events.filter(kind__in=KEY_EVENT_KINDS)
        .order_by("at", "id")
        .values("id", "kind", "at", "summary", "data")
    )
    counts = {"total": Count("id"), "done": Count("id", filter=Q(done_at__isnull=False))}
    if closed_at:
        open_at_close = Q(done_at__isnull=True) | Q(done_at__gt=closed_at)
        counts["overdue"] = Count("id", filter=Q(due_at__lt=closed_at) & open_at_close)
    tasks = incident.tasks.aggregate(**counts)
    reaction = incident.response_at - incident.discovered_at if incident.response_at else None
    return {
        "discovered_at": incident.discovered_at,
        "time_to_detect": _seconds(incident.time_to_detect),
        "time_to_triage": _seconds(incident.time_to_triage),
        "time_to_first_reaction": _seconds(reaction),
        "response_clock_breached": incident.response_breached_at is not None
        or (due is not None and reference > due),
        "time_to_resolve": _seconds(closed_at - incident.discovered_at if closed_at else None),
        **_mention_numbers(incident),
        **_timeline_numbers(events),
        "tasks_total": tasks["total"],
        "tasks_done": tasks["done"],
        "tasks_overdue_at_close": tasks.get("overdue"),
        "key_events": [{"at": e["at"], "kind": e["kind"], "summary": e["summary"]} for e in events],
    }
