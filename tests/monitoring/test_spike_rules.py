"""Volume spike and negativity surge rules run the seasonal detector live, with its state on
the rule row between evaluations."""

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.models import AlertRule, Mention
from monitoring.services import alert_rules_evaluate
from tests.factories import AlertRuleFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)
DETECTOR = {"interval_minutes": 10, "warmup_minutes": 24 * 60}


def _fill(ws, *, start: datetime, end: datetime, per_interval: int, negative_every: int = 0):
    rows, t, n = [], start, 0
    while t < end:
        for i in range(per_interval):
            n += 1
            negative = negative_every and n % negative_every == 0
            rows.append(
                Mention(
                    workspace=ws, platform="x", external_id=f"m{t.timestamp():.0f}-{i}",
                    text="Bank Noord", posted_at=t + timedelta(seconds=i), fetched_at=t,
                    sentiment_compound=-0.6 if negative else 0.3,
                )
            )  # fmt: skip
        t += timedelta(minutes=10)
    Mention.objects.bulk_create(rows, batch_size=2000)


def test_volume_spike_rule_alerts_once_on_a_storm_and_keeps_state():
    ws = WorkspaceFactory()
    rule = AlertRuleFactory(
        workspace=ws, kind="volume_spike", params={"detector": DETECTOR}, cooldown_minutes=0
    )
    quiet_end = NOW - timedelta(minutes=45)
    _fill(ws, start=NOW - timedelta(days=3), end=quiet_end, per_interval=4)
    assert alert_rules_evaluate(workspace_id=ws.pk, now=quiet_end) == []
    rule.refresh_from_db()
    assert rule.detector_state["last_t"]  # history replayed, state saved on the row
    _fill(ws, start=quiet_end, end=NOW, per_interval=60)  # a storm: 15x the usual volume
    # The alert lists the storm's widest-reaching authors first; a news outlet counts with its
    # reach (at least 100,000), above a 40,000-follower account.
    storm = Mention.objects.filter(workspace=ws, posted_at__gte=quiet_end)
    outlets = storm.filter(external_id__endswith="-0")  # one of each per storm interval
    louds = storm.filter(external_id__endswith="-1")
    outlets.update(author_is_outlet=True, author_followers=0)
    louds.update(author_followers=40_000)
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=NOW + timedelta(minutes=2))
    outlet_ids, loud_ids = (
        set(outlets.values_list("pk", flat=True)),
        set(louds.values_list("pk", flat=True)),
    )
    ranks = [0 if i in outlet_ids else 1 if i in loud_ids else 2 for i in alert.mention_ids]
    assert ranks[0] == 0
    assert ranks == sorted(ranks)
    assert alert.rule_kind == "volume_spike"
    assert alert.details["observed"] > 3 * alert.details["expected"]
    assert alert.details["score"] >= 4.5
    assert len(alert.mention_ids) == 50
    # The storm goes on: still the same spike, no second alert (hysteresis).
    _fill(ws, start=NOW, end=NOW + timedelta(minutes=20), per_interval=60)
    assert alert_rules_evaluate(workspace_id=ws.pk, now=NOW + timedelta(minutes=22)) == []


def test_negativity_surge_rule_alerts_on_share_not_volume():
    ws = WorkspaceFactory()
    AlertRuleFactory(
        workspace=ws, kind="negativity_surge", params={"detector": DETECTOR}, cooldown_minutes=0
    )
    quiet_end = NOW - timedelta(minutes=45)
    _fill(ws, start=NOW - timedelta(days=3), end=quiet_end, per_interval=20, negative_every=10)
    assert alert_rules_evaluate(workspace_id=ws.pk, now=quiet_end) == []
    _fill(
        ws, start=quiet_end, end=NOW, per_interval=20, negative_every=1
    )  # same volume, all negative
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=NOW + timedelta(minutes=2))
    assert alert.rule_kind == "negativity_surge"
    assert alert.details["observed_pct"] > 50
    assert alert.details["expected_pct"] < 30
    assert "negative" in alert.explanation or "negatief" in alert.explanation


def test_spike_rule_with_changed_interval_starts_a_fresh_detector():
    ws = WorkspaceFactory()
    rule = AlertRuleFactory(
        workspace=ws, kind="volume_spike", params={"detector": DETECTOR}, cooldown_minutes=0
    )
    _fill(ws, start=NOW - timedelta(days=2), end=NOW, per_interval=4)
    alert_rules_evaluate(workspace_id=ws.pk, now=NOW)
    AlertRule.objects.filter(pk=rule.pk).update(
        params={"detector": {**DETECTOR, "interval_minutes": 15}}
    )
    assert alert_rules_evaluate(workspace_id=ws.pk, now=NOW + timedelta(minutes=30)) == []
    rule.refresh_from_db()
    assert rule.detector_state  # rebuilt for the new interval instead of crashing
