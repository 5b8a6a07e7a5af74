"""Reads for statements, always scoped to the user's workspaces."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from crisiscenter.exceptions import NotFound
from incidents.models import Incident
from monitoring.models import Mention
from statements.models import (
    Channel,
    Publication,
    PublishingAccount,
    Statement,
    StatementAudit,
    StatementReaction,
    StatementTemplate,
    StatementVariant,
    StatementVersion,
)
from workspaces.selectors import workspace_list_for_user


def statement_template_list(
    *, user: Any, workspace: str | None = None
) -> QuerySet[StatementTemplate]:
    """Templates in the user's workspaces (optionally one, by slug)."""
    qs = StatementTemplate.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace")


def statement_list(
    *,
    user: Any,
    workspace: str | None = None,
    incident_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Statement]:
    """Statements in the user's workspaces (optionally of one workspace, incident or status),
    with variants and publications prefetched, each publication with `reaction_count`."""
    qs = Statement.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    if incident_id:
        qs = qs.filter(incident_id=incident_id)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "workspace", "incident", "created_by", "approved_by", "template"
    ).prefetch_related(
        Prefetch("variants", queryset=StatementVariant.objects.order_by("id")),
        # Meta.ordering is dropped with GROUP BY; within a statement it comes down to channel.
        Prefetch(
            "publications",
            queryset=Publication.objects.annotate(reaction_count=Count("reactions")).order_by(
                "channel"
            ),
        ),
    )


def statement_get(*, user: Any, statement_id: int) -> Statement:
    """One statement the user may see; NotFound otherwise."""
    statement = statement_list(user=user).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("Statement not found."))
    return statement


def statement_history_load(*, statement: Statement) -> Statement:
    """Prefetch the statement's versions and audit trail with their authors (two queries,
    however long the history); returns the same statement."""
    prefetch_related_objects(
        [statement],
        Prefetch("versions", queryset=StatementVersion.objects.select_related("author")),
        Prefetch("audit", queryset=StatementAudit.objects.select_related("actor")),
    )
    return statement


def statement_self_approval_refusal(*, statement: Statement, user: Any) -> str:
    """Why `user` may not approve the statement under the four-eyes rule ("" when they may):
    they wrote (part of) it. The approval service refuses with it; the page disables the
    button and says why."""
    authors = set(statement.versions.exclude(author=None).values_list("author_id", flat=True))
    if statement.created_by_id:
        authors.add(statement.created_by_id)
    if user.pk in authors:
        return _("Four eyes: you wrote (part of) this statement, so someone else must approve it.")
    return ""


def incident_get_for_statements(*, user: Any, incident_id: int) -> Incident:
    """The incident if it is in one of the user's workspaces; NotFound otherwise."""
    incident = (
        Incident.objects.filter(workspace__in=workspace_list_for_user(user=user), pk=incident_id)
        .select_related("workspace")
        .first()
    )
    if incident is None:
        raise NotFound(_("Incident not found."))
    return incident


def published_texts(*, incident_id: int, exclude_id: int | None = None) -> list[tuple[str, str]]:
    """(label, text) of every published variant of the incident's statements."""
    rows = Statement.objects.filter(incident_id=incident_id, status=Statement.Status.PUBLISHED)
    if exclude_id:
        rows = rows.exclude(pk=exclude_id)
    labels = dict(Channel.choices)
    return [
        (f"{statement.title} ({labels.get(channel, channel)})", text)
        for statement in rows.order_by("published_at")
        for channel, text in (statement.approved_texts or {}).items()
        if text.strip()
    ]


def publishing_account_get(*, workspace_id: int, channel: str) -> PublishingAccount | None:
    """The enabled publishing account of the workspace on a platform, if any."""
    return PublishingAccount.objects.filter(
        workspace_id=workspace_id, channel=channel, is_enabled=True
    ).first()


def publication_get_for_task(*, publication_id: int) -> Publication | None:
    """A publication with its statement and workspace (None if it vanished)."""
    return (
        Publication.objects.select_related("statement__workspace", "statement__incident")
        .filter(pk=publication_id)
        .first()
    )


def publications_for_reaction_fetch(*, since: datetime) -> QuerySet[Publication]:
    """Posted automated publications from after `since` (for the scheduled reaction fetch)."""
    return Publication.objects.filter(
        status=Publication.Status.POSTED, is_manual=False, published_at__gte=since
    ).order_by("reactions_checked_at", "id")


def incident_mentions(*, incident: Incident) -> QuerySet[Mention]:
    """Mentions about the incident: those behind its alerts and the reactions to statements."""
    mention_ids: set[int] = set()
    for ids in incident.alerts.values_list("mention_ids", flat=True):
        mention_ids.update(ids or [])
    return Mention.objects.filter(workspace_id=incident.workspace_id).filter(
        Q(pk__in=mention_ids) | Q(statement_reactions__publication__statement__incident=incident)
    )


def _windows(
    mentions: QuerySet[Mention], times: list[datetime], window: timedelta
) -> list[dict[str, dict[str, Any]]]:
    """Volume, mean sentiment and negatives of `mentions` in the window before and after
    each time, all in one query."""
    if not times:
        return []
    aggregates: dict[str, Any] = {}
    for i, at in enumerate(times):
        for side, start, end in (("before", at - window, at), ("after", at, at + window)):
            span = Q(posted_at__gte=start, posted_at__lt=end)
            aggregates[f"{side}_{i}_volume"] = Count("pk", filter=span)
            aggregates[f"{side}_{i}_sentiment"] = Avg("sentiment_compound", filter=span)
            aggregates[f"{side}_{i}_negative"] = Count(
                "pk", filter=span & Q(sentiment_compound__lte=-0.05)
            )
    row = Mention.objects.filter(pk__in=mentions.values("pk")).aggregate(**aggregates)
    out = []
    for i in range(len(times)):
        sides = {}
        for side in ("before", "after"):
            sentiment = row[f"{side}_{i}_sentiment"]
            sides[side] = {
                "volume": row[f"{side}_{i}_volume"],
                "sentiment": round(sentiment, 3) if sentiment is not None else None,
                "negative": row[f"{side}_{i}_negative"],
            }
        out.append(sides)
    return out


def statement_reaction_summary(*, incident: Incident, hours: int = 1) -> dict[str, Any]:
    """Volume and sentiment of the incident's mentions the hour before and after each
    published statement, plus per-10-minute buckets for the chart. A fixed number of
    queries, however many statements."""
    mentions = incident_mentions(incident=incident)
    statements = list(
        incident.statements.filter(
            status=Statement.Status.PUBLISHED, published_at__isnull=False
        ).order_by("published_at")
    )
    reactions = dict(
        StatementReaction.objects.filter(publication__statement__in=statements)
        .values("publication__statement")
        .annotate(n=Count("mention", distinct=True))
        .values_list("publication__statement", "n")
    )
    windows = _windows(mentions, [st.published_at for st in statements], timedelta(hours=hours))
    items = [
        {
            "id": statement.pk,
            "title": statement.title,
            "published_at": statement.published_at.isoformat(),
            **window,
            "reactions": reactions.get(statement.pk, 0),
        }
        for statement, window in zip(statements, windows, strict=True)
    ]
    return {"statements": items, "buckets": _buckets(mentions)}


def _buckets(mentions: QuerySet[Mention], limit: int = 5000) -> list[dict[str, Any]]:
    counts: dict[str, list[float]] = {}
    for posted_at, compound in mentions.order_by("-posted_at").values_list(
        "posted_at", "sentiment_compound"
    )[:limit]:
        slot = posted_at.replace(
            minute=posted_at.minute - posted_at.minute % 10, second=0, microsecond=0
        )
        counts.setdefault(slot.isoformat(), []).append(compound)
    return [
        {"at": at, "volume": len(values), "sentiment": round(sum(values) / len(values), 3)}
        for at, values in sorted(counts.items())
    ]


def publishing_account_list(
    *, user: Any, workspace: str | None = None
) -> QuerySet[PublishingAccount]:
    """Publishing accounts in the user's workspaces (optionally one, by slug)."""
    qs = PublishingAccount.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    return qs.select_related("workspace").order_by("channel")
