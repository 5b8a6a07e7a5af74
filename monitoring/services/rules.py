"""Alert rules and alerts. Each new alert is published as `alert.created` after commit."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from monitoring.models import Alert, AlertRule, Mention, Source
from monitoring.sentiment import NEGATIVE_THRESHOLD
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

ALERT_MENTION_LIMIT = 50


def _severity(*, observed: int, threshold: int, reach: int) -> int:
    """1-4: how far past the threshold the burst is, one level up for a 100k+ follower reach."""
    ratio = observed / max(threshold, 1)
    level = 4 if ratio >= 4 else 3 if ratio >= 2 else 2
    return min(4, level + (1 if reach >= 100_000 else 0))


def _alert_create(*, workspace_id: int, rule: AlertRule | None, kind: str, **fields: Any) -> Alert:
    alert = Alert.objects.create(workspace_id=workspace_id, rule=rule, rule_kind=kind, **fields)
    publish_on_commit(workspace_id=workspace_id, event=events.alert_created(alert))
    logger.info("monitoring.alert.created", extra={"alert_id": alert.pk, "kind": kind})
    return alert


def alert_rule_evaluate(*, rule: AlertRule, now: datetime) -> Alert | None:
    """Evaluate one rule at `now`; create an Alert if it fires outside its cooldown.

    Locks the rule row, so concurrent evaluations fire at most once. Publishes `alert.created`.
    """
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
        cooldown = timedelta(minutes=rule.cooldown_minutes)
        if rule.last_fired_at and now - rule.last_fired_at < cooldown:
            return None
        threshold = int(rule.params.get("threshold", 5))
        window = int(rule.params.get("window_minutes", 5))
        negatives = Mention.objects.filter(
            workspace_id=rule.workspace_id,
            posted_at__gt=now - timedelta(minutes=window),
            posted_at__lte=now,
            sentiment_compound__lte=NEGATIVE_THRESHOLD,
        ).order_by("-posted_at")
        found = list(negatives.values_list("id", "author_followers")[:ALERT_MENTION_LIMIT])
        observed = negatives.count() if len(found) == ALERT_MENTION_LIMIT else len(found)
        if observed < threshold:
            return None
        reach = sum(followers for _id, followers in found)
        alert = _alert_create(
            workspace_id=rule.workspace_id,
            rule=rule,
            kind=rule.kind,
            severity=_severity(observed=observed, threshold=threshold, reach=reach),
            details={"observed": observed, "threshold": threshold, "window_minutes": window},
            mention_ids=[pk for pk, _f in found],
            created_at=now,
        )
        rule.last_fired_at = now
        rule.save(update_fields=["last_fired_at"])
    return alert


def alert_rules_evaluate(*, workspace_id: int, now: datetime) -> list[Alert]:
    """Evaluate every enabled rule of the workspace; returns the alerts raised."""
    rules = AlertRule.objects.filter(workspace_id=workspace_id, is_enabled=True)
    return [a for rule in rules if (a := alert_rule_evaluate(rule=rule, now=now))]


@transaction.atomic
def source_down_alert_raise(
    *, source: Source, failures: int, error: Exception, now: datetime
) -> Alert:
    """Raise a `source_down` alert: the team must know when CrisisCenter goes blind."""
    return _alert_create(
        workspace_id=source.workspace_id,
        rule=None,
        kind=Alert.Kind.SOURCE_DOWN,
        severity=3,
        details={
            "source_id": source.pk,
            "source": source.name,
            "platform": source.platform,
            "failures": failures,
            "error": f"{type(error).__name__}: {error}"[:300],
        },
        mention_ids=[],
        created_at=now,
    )


@transaction.atomic
def alert_rule_create(
    *, workspace_id: int, name: str, kind: str, params: dict[str, Any], cooldown_minutes: int
) -> AlertRule:
    """Create an enabled alert rule."""
    return AlertRule.objects.create(
        workspace_id=workspace_id,
        name=name,
        kind=kind,
        params=params,
        cooldown_minutes=cooldown_minutes,
    )
