"""Alert rules and alerts.

Rule alerts are grouped: a later firing about the same topic (same workspace and rule kind,
while the earlier alert is still open) updates that alert instead of making a new one. New rule
alerts are not published here: the caller routes them (incidents.services.alerts_route), which
either attaches them quietly to an open incident or puts them in the triage queue.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from monitoring.exceptions import AlertRuleInvalid
from monitoring.jsonb import jsonb_refusal
from monitoring.models import Alert, AlertRule, Source
from monitoring.selectors import severity_input_for
from monitoring.services.rule_checks import CHECKS, STATEFUL_KINDS
from monitoring.severity import severity_compute
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

MAX_GROUPED_MENTIONS = 200
GROUP_WINDOW = timedelta(minutes=60)
# A monitored alert comes back to the triage queue when its numbers grow this much.
REALERT_GROWTH = 1.5
OPEN_STATUSES = (Alert.Status.NEW, Alert.Status.MONITOR, Alert.Status.ATTACHED)


@dataclass(frozen=True)
class Raised:
    alert: Alert
    created: bool


def _group_candidate(*, workspace_id: int, kind: str, now: datetime) -> Alert | None:
    return (
        Alert.objects.select_for_update()
        .filter(
            workspace_id=workspace_id,
            rule_kind=kind,
            status__in=OPEN_STATUSES,
            created_at__gte=now - GROUP_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )


def alert_raise(
    *,
    workspace_id: int,
    rule: AlertRule | None,
    kind: str,
    details: dict[str, Any],
    mention_ids: list[int],
    now: datetime,
) -> Raised:
    """Create an alert, or fold it into an open alert of the same kind (grouping).

    Grouped updates are published (`alert.updated`); a monitored alert whose numbers grew by
    REALERT_GROWTH goes back to `new` (re-alert). New alerts are returned unpublished.
    """
    window = float(details.get("window_minutes") or 5)
    severity = severity_compute(severity_input_for(mention_ids=mention_ids, window_minutes=window))
    details = {**details, "severity_score": severity.score, "severity_parts": severity.parts}
    existing = _group_candidate(workspace_id=workspace_id, kind=kind, now=now)
    if existing is None:
        alert = Alert.objects.create(
            workspace_id=workspace_id,
            rule=rule,
            rule_kind=kind,
            severity=severity.level,
            details=details,
            mention_ids=mention_ids,
            created_at=now,
            last_seen_at=now,
        )
        logger.info("monitoring.alert.created", extra={"alert_id": alert.pk, "kind": kind})
        return Raised(alert=alert, created=True)
    baseline = existing.details.get("observed_at_triage") or existing.details.get("observed", 0)
    if existing.status == Alert.Status.MONITOR and details.get(
        "observed", 0
    ) >= REALERT_GROWTH * max(baseline, 1):
        existing.status = Alert.Status.NEW
    existing.occurrences += 1
    existing.last_seen_at = now
    existing.severity = max(existing.severity, severity.level)
    existing.details = {**existing.details, **details}
    merged = list(dict.fromkeys([*mention_ids, *existing.mention_ids]))
    existing.mention_ids = merged[:MAX_GROUPED_MENTIONS]
    existing.save()
    publish_on_commit(workspace_id=workspace_id, event=events.alert_updated(existing))
    return Raised(alert=existing, created=False)


def alert_rule_evaluate(*, rule: AlertRule, now: datetime) -> Raised | None:
    """Evaluate one rule at `now`; raise (or group) an alert if it fires outside its cooldown.

    Locks the rule row, so concurrent evaluations fire at most once.
    """
    check = CHECKS.get(rule.kind)
    if check is None:
        return None
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
        cooldown = timedelta(minutes=rule.cooldown_minutes)
        stateful = rule.kind in STATEFUL_KINDS
        if not stateful and rule.last_fired_at and now - rule.last_fired_at < cooldown:
            return None
        finding = check(rule, now)
        if stateful:  # the detector's state moves on every evaluation, alert or not
            rule.save(update_fields=["detector_state"])
        if finding is None:
            return None
        raised = alert_raise(
            workspace_id=rule.workspace_id,
            rule=rule,
            kind=rule.kind,
            details=finding.details,
            mention_ids=finding.mention_ids,
            now=now,
        )
        rule.last_fired_at = now
        rule.save(update_fields=["last_fired_at"])
    return raised


def alert_rules_evaluate(*, workspace_id: int, now: datetime) -> list[Alert]:
    """Evaluate every enabled rule of the workspace; returns the NEW alerts (to be routed)."""
    rules = AlertRule.objects.filter(workspace_id=workspace_id, is_enabled=True)
    raised = [alert_rule_evaluate(rule=rule, now=now) for rule in rules]
    return [r.alert for r in raised if r is not None and r.created]


@transaction.atomic
def source_down_alert_raise(*, source: Source, failures: int, error: str, now: datetime) -> Alert:
    """Raise a `source_down` alert at once: the team must know when CrisisCenter goes blind.

    `error` is the last error as shown to members (no secrets, no post text)."""
    alert = Alert.objects.create(
        workspace_id=source.workspace_id,
        rule=None,
        rule_kind=Alert.Kind.SOURCE_DOWN,
        severity=3,
        details={
            "source_id": source.pk,
            "source": source.name,
            "platform": source.platform,
            "failures": failures,
            "error": error[:300],
        },
        mention_ids=[],
        created_at=now,
        last_seen_at=now,
    )
    publish_on_commit(workspace_id=source.workspace_id, event=events.alert_created(alert))
    return alert


@transaction.atomic
def source_down_alerts_recover(*, source: Source, now: datetime) -> int:
    """Mark the source's `source_down` alerts as recovered (a good poll after the outage):
    each says since when the source is live again, on the dashboards at once. Their status
    stays the team's to set. Returns how many were marked."""
    alerts = list(
        Alert.objects.select_for_update()
        .filter(
            workspace_id=source.workspace_id,
            rule_kind=Alert.Kind.SOURCE_DOWN,
            details__source_id=source.pk,
        )
        .exclude(details__has_key="recovered_at")
    )
    for alert in alerts:
        alert.details = {**alert.details, "recovered_at": now.isoformat()}
        alert.save(update_fields=["details"])
        publish_on_commit(workspace_id=alert.workspace_id, event=events.alert_updated(alert))
    return len(alerts)


@transaction.atomic
def alert_rule_create(
    *, workspace_id: int, name: str, kind: str, params: dict[str, Any], cooldown_minutes: int
) -> AlertRule:
    """Create an enabled alert rule; raises AlertRuleInvalid (400) for params PostgreSQL
    cannot store (a NUL, NaN)."""
    _params_storable_check(params)
    return AlertRule.objects.create(
        workspace_id=workspace_id,
        name=name,
        kind=kind,
        params=params,
        cooldown_minutes=cooldown_minutes,
    )


ALERT_RULE_EDITABLE = {"name", "params", "cooldown_minutes", "is_enabled"}


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, **fields: Any) -> AlertRule:
    """Change name, params, cooldown or enabled flag. New params reset the detector state.
    Raises AlertRuleInvalid (400) for params PostgreSQL cannot store (a NUL, NaN)."""
    if "params" in fields:
        _params_storable_check(fields["params"])
    for key, value in fields.items():
        if key not in ALERT_RULE_EDITABLE:
            raise ValueError(f"alert_rule_update: {key} is not editable")
        setattr(rule, key, value)
    rule.save(update_fields=list(fields))
    return rule


def _params_storable_check(params: dict[str, Any]) -> None:
    if unstorable := jsonb_refusal(params, "params"):
        raise AlertRuleInvalid(
            _("Parameters not accepted: %(error)s") % {"error": unstorable}, {"field": "params"}
        )


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule) -> None:
    """Delete the rule; its alerts stay (their rule becomes empty)."""
    rule.delete()
