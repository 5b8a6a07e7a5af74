"""What each rule kind looks at. A check reads the recent mentions of a workspace and returns
a Finding (the numbers behind the alert and the mentions that triggered it) or None.

Volume spike and negativity surge use the seasonal detector (monitoring/detection) with its
state stored on the rule, so the live decision is the one the backtest makes.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q

from monitoring.models import AlertRule, Mention
from monitoring.risk import DEFAULT_RISK_TERMS, risk_terms_found
from monitoring.selectors import mention_author_reach
from monitoring.sentiment import NEGATIVE_THRESHOLD
from monitoring.services.finding import Finding
from monitoring.services.spike_checks import check_negativity_surge, check_volume_spike

MENTION_LIMIT = 50
SCAN_LIMIT = 1000


def _window(rule: AlertRule, now: datetime, default: int = 10) -> tuple[int, Any]:
    minutes = int(rule.params.get("window_minutes", default))
    recent = Mention.objects.filter(
        workspace_id=rule.workspace_id,
        posted_at__gt=now - timedelta(minutes=minutes),
        posted_at__lte=now,
    ).order_by("-posted_at")
    return minutes, recent


def check_negative_burst(rule: AlertRule, now: datetime) -> Finding | None:
    """At least `threshold` negative mentions within `window_minutes`."""
    threshold = int(rule.params.get("threshold", 5))
    window, recent = _window(rule, now, default=5)
    negatives = recent.filter(sentiment_compound__lte=NEGATIVE_THRESHOLD)
    found = list(negatives.values_list("id", flat=True)[:MENTION_LIMIT])
    observed = negatives.count() if len(found) == MENTION_LIMIT else len(found)
    if observed < threshold:
        return None
    return Finding({"observed": observed, "threshold": threshold, "window_minutes": window}, found)


def check_risk_terms(rule: AlertRule, now: datetime) -> Finding | None:
    """Mentions containing risk terms (admins edit the list: params.terms)."""
    terms = tuple(rule.params.get("terms") or DEFAULT_RISK_TERMS)
    minimum = int(rule.params.get("min_mentions", 1))
    window, recent = _window(rule, now)
    hits, seen_terms = [], []
    for pk, text in recent.values_list("id", "text")[:SCAN_LIMIT]:
        found = risk_terms_found(text, terms)
        if found:
            hits.append(pk)
            seen_terms.extend(found)
    if len(hits) < minimum:
        return None
    terms_found = list(dict.fromkeys(seen_terms))[:10]
    details = {"observed": len(hits), "terms": terms_found, "window_minutes": window}
    return Finding(details, hits[:MENTION_LIMIT])


def check_high_reach(rule: AlertRule, now: datetime) -> Finding | None:
    """An author above `min_followers`, a verified account or a news outlet mentioned us."""
    min_followers = int(rule.params.get("min_followers", 50_000))
    window, recent = _window(rule, now)
    reach = Q(author_followers__gte=min_followers) | Q(author_is_outlet=True)
    if rule.params.get("verified", True):
        reach |= Q(author_verified=True)
    # Only mentions that matched a watch term count (imports may carry unrelated posts).
    hits = list(
        recent.filter(reach)
        .exclude(matched_terms=[])
        .order_by(mention_author_reach().desc(), "-author_followers")
        .values("id", "author_handle", "author_followers", "author_verified", "author_is_outlet")[
            :MENTION_LIMIT
        ]
    )
    if not hits:
        return None
    top = hits[0]
    details = {
        "observed": len(hits),
        "author": top["author_handle"],
        "followers": top["author_followers"],
        "outlet": top["author_is_outlet"],
        "verified": top["author_verified"],
        "threshold": min_followers,
        "window_minutes": window,
    }
    return Finding(details, [h["id"] for h in hits])


def check_virality(rule: AlertRule, now: datetime) -> Finding | None:
    """One post whose reposts + replies per minute since posting exceed `min_per_minute`."""
    rate = float(rule.params.get("min_per_minute", 10))
    window, recent = _window(rule, now, default=240)
    best: tuple[float, dict] | None = None
    for row in recent.annotate(spread=F("reposts") + F("replies")).values(
        "id", "author_handle", "posted_at", "spread"
    )[:SCAN_LIMIT]:
        minutes = max(1.0, (now - row["posted_at"]).total_seconds() / 60)
        per_minute = row["spread"] / minutes
        if per_minute >= rate and (best is None or per_minute > best[0]):
            best = (per_minute, row)
    if best is None:
        return None
    per_minute, row = best
    details = {
        "observed": round(per_minute, 1),
        "threshold": rate,
        "author": row["author_handle"],
        "window_minutes": window,
    }
    return Finding(details, [row["id"]])


CHECKS: dict[str, Callable[[AlertRule, datetime], Finding | None]] = {
    AlertRule.Kind.NEGATIVE_BURST: check_negative_burst,
    AlertRule.Kind.RISK_TERMS: check_risk_terms,
    AlertRule.Kind.HIGH_REACH: check_high_reach,
    AlertRule.Kind.VIRALITY: check_virality,
    AlertRule.Kind.VOLUME_SPIKE: check_volume_spike,
    AlertRule.Kind.NEGATIVITY_SURGE: check_negativity_surge,
}
# Kinds whose detector keeps state and its own cooldown: fed on every evaluation.
STATEFUL_KINDS = frozenset({AlertRule.Kind.VOLUME_SPIKE, AlertRule.Kind.NEGATIVITY_SURGE})
