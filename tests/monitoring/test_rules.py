"""Each rule kind fires on its numbers, explains itself, and groups instead of storming."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from monitoring.models import Alert
from monitoring.services import alert_rules_evaluate
from tests.factories import AlertRuleFactory, MentionFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws():
    return WorkspaceFactory()


def _mention(ws, minutes_ago: float = 1, **kw):
    kw.setdefault("matched_terms", [1])
    return MentionFactory(
        workspace=ws, posted_at=timezone.now() - timedelta(minutes=minutes_ago), **kw
    )


def test_negative_burst_fires_at_threshold_and_explains(ws):
    AlertRuleFactory(workspace=ws, params={"threshold": 3, "window_minutes": 5})
    _mention(ws, sentiment_compound=-0.6)
    _mention(ws, sentiment_compound=-0.6)
    _mention(ws, minutes_ago=20, sentiment_compound=-0.6)  # outside the window
    assert alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now()) == []
    _mention(ws, sentiment_compound=-0.2)
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    assert alert.details["observed"] == 3
    with override("en"):
        assert alert.explanation.startswith("3 negative mentions in the last 5 minutes")
    assert len(alert.mention_ids) == 3


def test_risk_terms_rule_matches_words_not_substrings(ws):
    AlertRuleFactory(workspace=ws, kind="risk_terms", params={"window_minutes": 10})
    _mention(ws, text="Wat een lekkere koffie bij Bank Noord")
    assert alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now()) == []
    hit = _mention(ws, text="Groot DATALEK bij Bank Noord?")
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    assert alert.details["terms"] == ["datalek"]
    assert alert.mention_ids == [hit.pk]
    assert alert.details["severity_parts"]["risk"] == 1.0
    with override("nl"):
        assert "datalek" in alert.explanation


def test_high_reach_rule_needs_reach_and_a_watch_term_match(ws):
    AlertRuleFactory(workspace=ws, kind="high_reach", params={"min_followers": 10_000})
    _mention(ws, author_followers=50_000, matched_terms=[])  # imported, unrelated
    _mention(ws, author_followers=500)
    assert alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now()) == []
    outlet = _mention(ws, author_handle="rtl-nieuws", author_is_outlet=True)
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    assert alert.mention_ids == [outlet.pk]
    assert alert.details["author"] == "rtl-nieuws"
    with override("en"):
        assert alert.explanation.startswith("rtl-nieuws (news outlet) mentioned you: 1 ")
        assert "followers" not in alert.explanation  # it has none to count, not 0
    with override("nl"):
        assert alert.explanation.startswith("rtl-nieuws (nieuwsmedium) noemde je: 1 ")


def test_high_reach_rule_ranks_a_news_outlet_by_its_reach(ws):
    # An outlet without a follower count reaches at least OUTLET_MIN_REACH: it leads the alert
    # over a 60,000-follower account, as it does in the severity and incident reach.
    AlertRuleFactory(workspace=ws, kind="high_reach", params={"min_followers": 10_000})
    _mention(ws, author_handle="loud-account", author_followers=60_000)
    outlet = _mention(ws, author_handle="nos", author_followers=0, author_is_outlet=True)
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    assert alert.mention_ids[0] == outlet.pk
    assert alert.details["author"] == "nos"


def test_virality_rule_measures_spread_per_minute(ws):
    AlertRuleFactory(workspace=ws, kind="virality", params={"min_per_minute": 10})
    _mention(ws, minutes_ago=10, reposts=50, replies=40)  # 9/min
    assert alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now()) == []
    viral = _mention(ws, minutes_ago=10, reposts=150, replies=60, author_handle="hackwatcher")
    [alert] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    assert alert.mention_ids == [viral.pk]
    assert alert.details["observed"] == pytest.approx(21.0, abs=0.2)


def test_rule_cooldown_and_grouping_prevent_alert_storms(ws):
    rule = AlertRuleFactory(
        workspace=ws, params={"threshold": 1, "window_minutes": 5}, cooldown_minutes=10
    )
    _mention(ws)
    now = timezone.now()
    assert len(alert_rules_evaluate(workspace_id=ws.pk, now=now)) == 1
    assert alert_rules_evaluate(workspace_id=ws.pk, now=now + timedelta(minutes=5)) == []
    _mention(ws, minutes_ago=-10)  # posted just before the next evaluation
    # After the cooldown the rule fires again, but about the same open topic: grouped.
    assert alert_rules_evaluate(workspace_id=ws.pk, now=now + timedelta(minutes=11)) == []
    alert = Alert.objects.get(workspace=ws)
    assert alert.occurrences == 2
    assert alert.rule == rule
    assert alert.last_seen_at == now + timedelta(minutes=11)


def test_dismissed_alert_does_not_absorb_a_new_one(ws):
    AlertRuleFactory(workspace=ws, params={"threshold": 1, "window_minutes": 5}, cooldown_minutes=0)
    _mention(ws)
    [first] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    first.status = Alert.Status.DISMISSED
    first.save()
    [second] = alert_rules_evaluate(workspace_id=ws.pk, now=timezone.now())
    assert second.pk != first.pk
