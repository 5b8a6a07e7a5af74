"""Every event type pushed to browsers, declared once (type `<entity>.<past_tense>`).

Payloads are plain JSON: ids, ISO datetimes, raw text (the browser renders text with
textContent, never as HTML).
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.utils import translation

from escalation.messages import ack_via_text
from monitoring.severity import author_reach


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class MentionItem(TypedDict):
    """One mention inside `mention.batch` (a plain dict: built once per mention on ingest)."""

    id: int
    platform: str
    external_id: str
    url: str
    author: str
    author_followers: int
    author_reach: int  # followers, at least OUTLET_MIN_REACH for a news outlet
    text: str
    language: str
    posted_at: str
    sentiment: dict[str, float]
    sentiment_label: str
    matched_terms: list[int]


@dataclass(frozen=True)
class MentionBatch:
    """New mentions stored for one workspace (one event per ingested page)."""

    workspace_id: int
    mentions: list[MentionItem]
    type: str = field(default="mention.batch", init=False)

    def as_dict(self) -> dict[str, Any]:
        # No dataclasses.asdict here: it deep-copies every item, on the ingest hot path.
        return {"workspace_id": self.workspace_id, "mentions": self.mentions, "type": self.type}


@dataclass(frozen=True)
class AlertCreated:
    """An alert was raised for the workspace."""

    workspace_id: int
    id: int
    rule: str
    # Per language code ({"nl": …, "en": …}): viewers of one group read different languages.
    title: dict[str, str]
    explanation: dict[str, str]
    severity: int
    created_at: str
    mention_ids: list[int]
    type: str = field(default="alert.created", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AlertUpdated:
    """An alert changed: grouped with a later firing, re-alerted, triaged or attached."""

    workspace_id: int
    id: int
    status: str
    severity: int
    occurrences: int
    last_seen_at: str
    incident_id: int | None
    title: dict[str, str]
    explanation: dict[str, str]
    type: str = field(default="alert.updated", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IncidentUpdated:
    """An incident was opened or changed (alerts attached, severity, status, clocks)."""

    workspace_id: int
    id: int
    title: str
    severity: int
    status: str
    opened_at: str
    alert_count: int
    first_mention_at: str | None
    first_alert_at: str | None
    triaged_at: str | None
    commander: str | None
    response_due_at: str | None
    response_at: str | None
    overdue_tasks: int
    type: str = field(default="incident.updated", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IncidentReachUpdated:
    """The reach of an incident's mentions changed (incidents.selectors.incident_reach)."""

    workspace_id: int
    id: int
    mentions: int
    unique_authors: int
    follower_reach: int
    engagement: int
    per_platform: dict[str, int]
    sentiment_trend: list[dict[str, Any]]
    type: str = field(default="incident.reach_updated", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IncidentEventRecorded:
    """An entry was appended to an incident's timeline (summary is raw text)."""

    workspace_id: int
    incident_id: int
    id: int
    kind: str
    summary: str
    actor: str | None
    at: str
    type: str = field(default="incident.event_recorded", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SourceHealthChanged:
    """A source went live, lagging or down (the team must see when we go blind)."""

    workspace_id: int
    id: int
    name: str
    platform: str
    health: str
    last_success_at: str | None
    last_error: str
    rate_limited_until: str | None  # the platform said wait (429) until then; not a failure
    type: str = field(default="source.health_changed", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mention_item(mention: Any) -> MentionItem:
    """Build the event item for a stored Mention row."""
    return mention_item_of(
        mention.pk,
        mention.platform,
        mention.external_id,
        mention.url,
        mention.author_handle,
        mention.author_followers,
        mention.author_is_outlet,
        mention.text,
        mention.language,
        mention.posted_at,
        mention.sentiment_compound,
        mention.sentiment_pos,
        mention.sentiment_neu,
        mention.sentiment_neg,
        mention.sentiment_label,
        mention.matched_terms,
    )


def mention_item_of(  # positional: called for every new mention on ingest
    pk: int,
    platform: str,
    external_id: str,
    url: str,
    author: str,
    author_followers: int,
    author_is_outlet: bool,
    text: str,
    language: str,
    posted_at: datetime | None,
    compound: float,
    pos: float,
    neu: float,
    neg: float,
    label: str,
    matched_terms: list[int] | None,
) -> MentionItem:
    """The event item from a mention's values (ingest has them as a row, not a Mention, and
    takes them in this order: monitoring.services.rows.ITEM_COLUMNS)."""
    return {
        "id": pk,
        "platform": platform,
        "external_id": external_id,
        "url": url,
        "author": author,
        "author_followers": author_followers,
        "author_reach": author_reach(author_followers, author_is_outlet),
        "text": text,
        "language": language,
        "posted_at": _iso(posted_at) or "",
        "sentiment": {"compound": compound, "pos": pos, "neu": neu, "neg": neg},
        "sentiment_label": label,
        "matched_terms": list(matched_terms or []),
    }


def _in_each_language(render: Any) -> dict[str, str]:
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = render()
    return texts


def alert_created(alert: Any) -> AlertCreated:
    """Build the `alert.created` event for a stored Alert row (texts in every UI language)."""
    return AlertCreated(
        workspace_id=alert.workspace_id,
        id=alert.pk,
        rule=alert.rule_kind,
        title=_in_each_language(lambda: alert.title),
        explanation=_in_each_language(lambda: alert.explanation),
        severity=alert.severity,
        created_at=_iso(alert.created_at) or "",
        mention_ids=list(alert.mention_ids),
    )


def alert_updated(alert: Any, *, incident_id: int | None = None) -> AlertUpdated:
    """Build `alert.updated` for a stored Alert row."""
    return AlertUpdated(
        workspace_id=alert.workspace_id,
        id=alert.pk,
        status=alert.status,
        severity=alert.severity,
        occurrences=alert.occurrences,
        last_seen_at=_iso(alert.last_seen_at or alert.created_at) or "",
        incident_id=incident_id,
        title=_in_each_language(lambda: alert.title),
        explanation=_in_each_language(lambda: alert.explanation),
    )


def _display_name(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def incident_updated(incident: Any, *, alert_count: int, overdue_tasks: int = 0) -> IncidentUpdated:
    """Build `incident.updated` for a stored Incident row."""
    return IncidentUpdated(
        workspace_id=incident.workspace_id,
        id=incident.pk,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        opened_at=_iso(incident.opened_at) or "",
        alert_count=alert_count,
        first_mention_at=_iso(incident.first_mention_at),
        first_alert_at=_iso(incident.first_alert_at),
        triaged_at=_iso(incident.triaged_at),
        commander=_display_name(incident.commander),
        response_due_at=_iso(incident.response_due_at),
        response_at=_iso(incident.response_at),
        overdue_tasks=overdue_tasks,
    )


def source_health_changed(source: Any) -> SourceHealthChanged:
    """Build `source.health_changed` for a stored Source row (no settings, no credentials)."""
    return SourceHealthChanged(
        workspace_id=source.workspace_id,
        id=source.pk,
        name=source.name,
        platform=source.platform,
        health=source.health,
        last_success_at=_iso(source.last_success_at),
        last_error=source.last_error[:300],
        rate_limited_until=_iso(source.rate_limited_until),
    )


@dataclass(frozen=True)
class EscalationUpdated:
    """An escalation started, moved to another tier, was acknowledged or ended."""

    workspace_id: int
    id: int
    incident_id: int
    status: str
    tier: int
    tiers: int
    next_deadline: str | None
    acknowledged_by: str
    acknowledged_via: str
    acknowledged_via_text: dict[str, str]  # per language, "" while not acknowledged
    type: str = field(default="escalation.updated", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def escalation_updated(run: Any) -> EscalationUpdated:
    """`escalation.updated` for an escalation run (escalation.models.EscalationRun)."""
    return EscalationUpdated(
        workspace_id=run.workspace_id,
        id=run.pk,
        incident_id=run.incident_id,
        status=run.status,
        tier=run.tier_index + 1,
        tiers=len(run.version.snapshot["tiers"]),
        next_deadline=_iso(run.next_deadline),
        acknowledged_by=run.acknowledged_by_name,
        acknowledged_via=run.acknowledged_via,
        acknowledged_via_text=_in_each_language(
            lambda: ack_via_text(run.acknowledged_via) if run.acknowledged_via else ""
        ),
    )


@dataclass(frozen=True)
class StatementUpdated:
    """A statement changed: drafted, edited, submitted, approved, rejected, published, or its
    publications/reactions moved (the statements page refetches its reaction chart)."""

    workspace_id: int
    id: int
    incident_id: int
    title: str
    status: str
    version: int
    published_at: str | None
    publications: list[dict[str, Any]]
    type: str = field(default="statement.updated", init=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def statement_updated(statement: Any) -> StatementUpdated:
    """Build `statement.updated` for a stored Statement row (publications without secrets)."""
    return StatementUpdated(
        workspace_id=statement.workspace_id,
        id=statement.pk,
        incident_id=statement.incident_id,
        title=statement.title,
        status=statement.status,
        version=statement.version,
        published_at=_iso(statement.published_at),
        publications=[
            {"channel": p.channel, "status": p.status, "url": p.url, "error": p.error}
            for p in statement.publications.all()
        ],
    )


def incident_reach_updated(incident: Any) -> IncidentReachUpdated:
    """Build `incident.reach_updated` from the incident's stored `reach`."""
    reach = incident.reach or {}
    return IncidentReachUpdated(
        workspace_id=incident.workspace_id,
        id=incident.pk,
        mentions=reach.get("mentions", 0),
        unique_authors=reach.get("unique_authors", 0),
        follower_reach=reach.get("follower_reach", 0),
        engagement=reach.get("engagement", 0),
        per_platform=dict(reach.get("per_platform", {})),
        sentiment_trend=list(reach.get("sentiment_trend", [])),
    )


def incident_event_recorded(event: Any) -> IncidentEventRecorded:
    """Build `incident.event_recorded` for a stored IncidentEvent row."""
    return IncidentEventRecorded(
        workspace_id=event.incident.workspace_id,
        incident_id=event.incident_id,
        id=event.pk,
        kind=event.kind,
        summary=event.summary,
        actor=_display_name(event.actor),
        at=_iso(event.at) or "",
    )
