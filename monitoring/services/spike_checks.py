"""Volume spike and negativity surge: the seasonal detector (monitoring/detection) run live.

Each rule keeps its detector state on the row (`AlertRule.detector_state`). An evaluation
feeds every interval that closed since the detector's last one (on a fixed grid, counted from
stored mentions), so the live decision at time t is exactly the backtest's decision at t. A new
rule first replays up to HISTORY_DAYS of stored history, so it skips most of the warm-up.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

from monitoring.detection import Decision, SpikeConfig, SpikeDetector, StateIncompatible
from monitoring.models import AlertRule, Mention
from monitoring.selectors import mention_author_reach
from monitoring.sentiment import NEGATIVE_THRESHOLD
from monitoring.services.finding import Finding

DEFAULT_INTERVAL_MINUTES = 10
# Mentions posted in an interval may arrive a little later; wait this long before closing it.
CLOSE_LAG = timedelta(minutes=2)
HISTORY_DAYS = 28
MENTION_LIMIT = 50


def _config(rule: AlertRule, kind: str) -> SpikeConfig:
    overrides = dict(rule.params.get("detector") or {})
    overrides.setdefault("interval_minutes", DEFAULT_INTERVAL_MINUTES)
    return SpikeConfig.from_dict({**overrides, "kind": kind})


def _grid_floor(t: datetime, step: timedelta) -> datetime:
    seconds = int(step.total_seconds())
    epoch = int(t.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def _buckets(
    rule: AlertRule, start: datetime, end: datetime, step: timedelta
) -> tuple[Counter, Counter]:
    """Mentions and negative mentions per interval start in [start, end)."""
    totals: Counter = Counter()
    negatives: Counter = Counter()
    rows = Mention.objects.filter(
        workspace_id=rule.workspace_id, posted_at__gte=start, posted_at__lt=end
    ).values_list("posted_at", "sentiment_compound")
    for posted_at, compound in rows.iterator(chunk_size=5000):
        slot = _grid_floor(posted_at, step)
        totals[slot] += 1
        if compound <= NEGATIVE_THRESHOLD:
            negatives[slot] += 1
    return totals, negatives


def _feed(rule: AlertRule, kind: str, now: datetime) -> tuple[Decision | None, SpikeConfig]:
    """Feed the closed intervals since the last evaluation; return the alert decision, if any."""
    config = _config(rule, kind)
    step = timedelta(minutes=config.interval_minutes)
    try:
        detector = SpikeDetector(config, state=rule.detector_state or None)
    except StateIncompatible:
        detector = SpikeDetector(config)
    last = detector.last_t
    first = last + step if last else _grid_floor(now - timedelta(days=HISTORY_DAYS), step)
    end = _grid_floor(now - CLOSE_LAG, step)  # intervals [t, t+step) with t+step <= end
    alert: Decision | None = None
    if first + step <= end:
        totals, negatives = _buckets(rule, first, end, step)
        t = first
        while t + step <= end:
            if kind == "share":
                decision = detector.update(t, negatives[t], totals[t])
            else:
                decision = detector.update(t, totals[t])
            if decision.is_alert_start:
                alert = decision
            t += step
    rule.detector_state = detector.state_dict()
    return alert, config


def _mentions_in(rule: AlertRule, decision: Decision, negative_only: bool) -> list[int]:
    qs = Mention.objects.filter(
        workspace_id=rule.workspace_id,
        posted_at__gte=decision.window_start,
        posted_at__lt=decision.window_end,
    )
    if negative_only:
        qs = qs.filter(sentiment_compound__lte=NEGATIVE_THRESHOLD)
    ranked = qs.order_by(mention_author_reach().desc(), "-author_followers")
    return list(ranked.values_list("id", flat=True)[:MENTION_LIMIT])


def check_volume_spike(rule: AlertRule, now: datetime) -> Finding | None:
    """Mentions per interval far above the seasonal (time of day, day of week) baseline."""
    decision, config = _feed(rule, "count", now)
    if decision is None:
        return None
    details = decision.details(config)
    details["observed"], details["expected"] = int(decision.observed), round(decision.expected)
    details["window_minutes"] = int(details["window_minutes"])
    return Finding(details, _mentions_in(rule, decision, negative_only=False))


def check_negativity_surge(rule: AlertRule, now: datetime) -> Finding | None:
    """The share of negative mentions far above its baseline (with minimum counts)."""
    decision, config = _feed(rule, "share", now)
    if decision is None:
        return None
    details = decision.details(config)
    details["observed_pct"] = round(100 * decision.observed)
    details["expected_pct"] = round(100 * decision.expected)
    details["window_minutes"] = int(details["window_minutes"])
    return Finding(details, _mentions_in(rule, decision, negative_only=True))
