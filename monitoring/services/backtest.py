"""Replay historical mentions through a workspace's alert rules in simulated time.

Runs the live code (ingest, rule checks, grouping, cooldowns) inside a transaction that is
always rolled back, in a scratch copy of the workspace with a copy of its rules and watch
terms: nothing is stored, nothing is published (on_commit callbacks die with the rollback).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.crypto import get_random_string

from monitoring.models import AlertRule, Mention, WatchTerm
from monitoring.platforms.base import NormalizedPost
from monitoring.selectors import watch_term_queries
from monitoring.services import ingest
from monitoring.services.rules import alert_rule_evaluate
from workspaces.models import Workspace


@dataclass(frozen=True)
class BacktestAlert:
    at: datetime
    rule: str
    kind: str
    grouped: bool
    severity: int
    details: dict[str, Any]
    mention_external_ids: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "rule": self.rule,
            "kind": self.kind,
            "grouped": self.grouped,
            "severity": self.severity,
            "details": self.details,
            "mentions": self.mention_external_ids,
        }


class _Rollback(Exception):
    pass


def _scratch_copy(workspace: Workspace) -> tuple[Workspace, list[AlertRule]]:
    scratch = Workspace.objects.create(
        slug=f"backtest-{get_random_string(12).lower()}", name=f"{workspace.name} (backtest)"
    )
    for term in WatchTerm.objects.filter(workspace=workspace, is_enabled=True):
        WatchTerm.objects.create(workspace=scratch, query=term.query)
    rules = [
        AlertRule.objects.create(
            workspace=scratch,
            kind=rule.kind,
            name=rule.name,
            params=rule.params,
            cooldown_minutes=rule.cooldown_minutes,
        )
        for rule in AlertRule.objects.filter(workspace=workspace, is_enabled=True)
    ]
    return scratch, rules


def rules_backtest(
    *, workspace: Workspace, posts: Sequence[NormalizedPost], step: timedelta = timedelta(minutes=1)
) -> list[BacktestAlert]:
    """The alerts the workspace's enabled rules would have raised on these posts.

    Time advances in `step`s from the first post; at each step the posts due are ingested and
    every rule is evaluated with `now` = that moment. Nothing persists.
    """
    ordered = sorted(posts, key=lambda p: p.posted_at)
    if not ordered:
        return []
    found: list[BacktestAlert] = []
    try:
        with transaction.atomic():
            scratch, rules = _scratch_copy(workspace)
            now, index = ordered[0].posted_at, 0
            end = ordered[-1].posted_at + step
            while now <= end:
                due = []
                while index < len(ordered) and ordered[index].posted_at <= now:
                    due.append(ordered[index])
                    index += 1
                if due:
                    _ingest(scratch.pk, due)
                for rule in rules:
                    raised = alert_rule_evaluate(rule=rule, now=now)
                    if raised is not None:
                        found.append(_describe(raised, rule, now))
                now += step
            raise _Rollback
    except _Rollback:
        pass
    return found


def _ingest(workspace_id: int, posts: list[NormalizedPost]) -> None:
    # The production import path minus its durable transaction (we are inside the rollback):
    # the same matching, scoring and idempotent insert.
    prepared = ingest._prepare(
        workspace_id=workspace_id,
        source_id=None,
        posts=posts,
        queries=watch_term_queries(workspace_id=workspace_id),
        require_match=False,
    )
    ingest._insert_and_publish(workspace_id=workspace_id, prepared=prepared)


def _describe(raised: Any, rule: AlertRule, now: datetime) -> BacktestAlert:
    alert = raised.alert
    ids = dict(Mention.objects.filter(pk__in=alert.mention_ids).values_list("pk", "external_id"))
    return BacktestAlert(
        at=now,
        rule=rule.name,
        kind=alert.rule_kind,
        grouped=not raised.created,
        severity=alert.severity,
        details={k: v for k, v in alert.details.items() if k != "severity_parts"},
        mention_external_ids=[ids[pk] for pk in alert.mention_ids if pk in ids],
    )
