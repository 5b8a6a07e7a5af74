"""Causal spike detector: volume spikes (kind "count") and negativity surges (kind "share").

For the interval starting at t, over the trailing window (window_minutes, at least
min_window_intervals intervals):

    O = mentions in the window, its top third (at least one interval) counted as the next value
        down, so one- or two-interval blips cannot alert alone (share: negatives, untrimmed)
    E = the baselines predicted for those intervals before each was seen (baseline.py);
        share: sum(total_i * baseline share_i)
    V = Poisson variance sum(E_i) (share: binomial sum(total_i * p_i * (1 - p_i))), at least 1
    score = (O - E) / sqrt(c * (V + dispersion * E^2))
        c: calibration learned in quiet times (EWMA of clipped score^2), at least 0.25

    count: alert when score >= threshold, O >= min_count and O >= min_ratio * E
    share: alert when score >= threshold, negatives >= min_count, window total >= min_total and
           observed share - expected share >= min_share_increase

Hysteresis: a spike lasts while score >= threshold_off. Cooldown: a re-trigger within
cooldown_minutes of a spike's end continues that spike instead of raising a new alert. No alert
before warmup_minutes of history. Every decision uses only data up to t; the full state between
calls is state_dict() (plain JSON), so a live rule and a backtest run the same code.
"""

import math
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitoring.detection.baseline import SCALE_CLIP, CountBaseline, ShareBaseline, decay_rate
from monitoring.detection.config import ConfigInvalid, SpikeConfig
from monitoring.detection.results import Decision, Spike
from monitoring.detection.series import Point, SeriesInvalid, regular_points

STATE_VERSION = 1
WARMUP_HUBER_FACTOR = 2.0  # learn the first week's profile with looser clipping
MIN_SCORE_SCALE2 = 0.25  # the learned score scale may shrink the model's sd by half at most


class StateIncompatible(ValueError):
    """A stored state was built for another kind, interval or slot size: start from state=None."""


class SpikeDetector:
    """Feed one interval at a time with update(); persist state_dict() between calls."""

    def __init__(self, config: SpikeConfig, state: dict[str, Any] | None = None):
        if config.interval_minutes is None:
            raise ConfigInvalid("interval_minutes is required (detect_series infers it)")
        self.config = config
        self.interval = timedelta(minutes=config.interval_minutes)
        self.tz = ZoneInfo(config.timezone)
        self.width = max(
            config.min_window_intervals, round(config.window_minutes / config.interval_minutes)
        )
        state = dict(state or {})
        if state:
            self._check_compatible(state)
        base_state = state.get("baseline")
        if config.kind == "count":
            self.baseline: Any = CountBaseline(config, config.interval_minutes, base_state)
        else:
            self.baseline = ShareBaseline(config, config.interval_minutes, base_state)
        self.window: list[list[float]] = [list(w) for w in state.get("window", [])]
        self.first_t = _parse(state.get("first_t"))
        self.last_t = _parse(state.get("last_t"))
        self.last_end = _parse(state.get("last_end"))
        self.in_spike: bool = state.get("in_spike", False)
        self.score_scale2: float = state.get("score_scale2", 1.0)
        self.beta = decay_rate(config.scale_halflife_minutes, config.interval_minutes)

    def _check_compatible(self, state: dict[str, Any]) -> None:
        mine = self._fingerprint()
        if state.get("version") != STATE_VERSION or state.get("fingerprint") != mine:
            raise StateIncompatible(
                f"stored detector state does not match this config ({mine}); start afresh"
            )

    def _fingerprint(self) -> list[Any]:
        return [self.config.kind, self.config.interval_minutes, self.config.slot_minutes]

    def state_dict(self) -> dict[str, Any]:
        """Everything update() needs to continue exactly where it stopped; plain JSON."""
        return {
            "version": STATE_VERSION,
            "fingerprint": self._fingerprint(),
            "baseline": self.baseline.state_dict(),
            "window": self.window,
            "first_t": _iso(self.first_t),
            "last_t": _iso(self.last_t),
            "last_end": _iso(self.last_end),
            "in_spike": self.in_spike,
            "score_scale2": self.score_scale2,
        }

    def update(self, t: datetime, value: float, total: float | None = None) -> Decision:
        """Decide on the interval starting at `t`. Skipped intervals since the last call count as
        zero mentions. Raises SeriesInvalid for naive, repeated or off-grid times or bad values."""
        if t.tzinfo is None:
            raise SeriesInvalid(f"timestamp {t.isoformat()} has no time zone")
        _check_value(value, total, self.config.kind)
        if self.last_t is not None:
            steps = (t - self.last_t) / self.interval
            if steps <= 0 or steps != int(steps):
                raise SeriesInvalid(
                    f"timestamp {t.isoformat()} is not a whole number of "
                    f"{self.config.interval_minutes:g}-minute intervals after "
                    f"{self.last_t.isoformat()}"
                )
            for _ in range(int(steps) - 1):
                self._step(self.last_t + self.interval, 0.0, 0.0 if total is not None else None)
        return self._step(t, float(value), None if total is None else float(total))

    def _step(self, t: datetime, value: float, total: float | None) -> Decision:
        cfg = self.config
        if self.first_t is None:
            self.first_t = t
        local = (t + self.interval / 2).astimezone(self.tz)
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute + local.second / 60
        if cfg.kind == "count":
            mu = self.baseline.expect(minute) if self.baseline.level is not None else value
            entry = [value, 0.0, mu, mu]
        else:
            share = self.baseline.share()
            n = total or 0.0
            entry = [value, n, n * share, n * share * (1 - share)]
        self.window = [*self.window[-(self.width - 1) :], entry]
        raw, count, expected, n_total = self._score()
        score = raw / math.sqrt(max(self.score_scale2, MIN_SCORE_SCALE2))
        warming = t - self.first_t < timedelta(minutes=cfg.warmup_minutes)
        trigger = (
            not warming and score >= cfg.threshold and self._big_enough(count, expected, n_total)
        )
        alert_start = False
        if self.in_spike and score < cfg.threshold_off:
            self.in_spike = False
        elif not self.in_spike and trigger:
            self.in_spike = True
            cooling = self.last_end is not None and t - self.last_end <= timedelta(
                minutes=cfg.cooldown_minutes
            )
            alert_start = not cooling
        if self.in_spike:
            self.last_end = t
        k = cfg.huber_k * (WARMUP_HUBER_FACTOR if warming else 1.0)
        if not self.in_spike:  # calibrate the score: about unit variance in quiet times
            z2 = min(score * score, SCALE_CLIP**2)
            self.score_scale2 += self.beta * self.score_scale2 * (z2 - 1.0)
        if cfg.kind == "count":
            self.baseline.learn(minute, value, frozen=self.in_spike, huber_k=k)
        else:
            self.baseline.learn(value, total or 0.0, frozen=self.in_spike, huber_k=k)
        self.last_t = t
        share_mode = cfg.kind == "share"
        return Decision(
            t=t,
            score=score,
            observed=(count / n_total if n_total else 0.0) if share_mode else count,
            expected=(expected / n_total if n_total else 0.0) if share_mode else expected,
            count=count,
            total=n_total if share_mode else None,
            value=value,
            baseline=entry[2],
            window_start=t - (len(self.window) - 1) * self.interval,
            window_end=t + self.interval,
            in_spike=self.in_spike,
            is_alert_start=alert_start,
            is_warming_up=warming,
        )

    def _score(self) -> tuple[float, float, float, float]:
        values = [w[0] for w in self.window]
        count = sum(values)
        if self.config.kind == "count" and len(values) >= 3:
            # the top third of the window (at least one interval) counts as the next value down
            trim = max(1, len(values) // 3)
            ranked = sorted(values, reverse=True)
            count -= sum(ranked[:trim]) - trim * ranked[trim]
        expected = sum(w[2] for w in self.window)
        variance = max(sum(w[3] for w in self.window), 1.0)
        variance += self.config.dispersion * expected * expected
        raw = (count - expected) / math.sqrt(variance)
        return raw, count, expected, sum(w[1] for w in self.window)

    def _big_enough(self, count: float, expected: float, total: float) -> bool:
        cfg = self.config
        if count < cfg.min_count:
            return False
        if cfg.kind == "count":
            return count >= cfg.min_ratio * expected
        return total >= cfg.min_total and (count - expected) / total >= cfg.min_share_increase


def iter_decisions(points: Iterable[Point], config: SpikeConfig) -> Iterator[Decision]:
    """Decisions for a whole series (gaps filled with zeros, interval inferred if not set)."""
    rows, interval = regular_points(points, config.interval_minutes, config.kind == "share")
    detector = SpikeDetector(replace(config, interval_minutes=interval))
    for t, value, total in rows:
        yield detector.update(t, value, total)


def detect_series(points: Iterable[Point], config: SpikeConfig) -> list[Spike]:
    """Spikes in a series, found by feeding SpikeDetector point by point, exactly as live."""
    spikes: list[Spike] = []
    current: list[Decision] = []
    pending: list[Decision] = []  # intervals after a spike's end that may still join it
    cooldown = timedelta(minutes=config.cooldown_minutes)
    for d in iter_decisions(points, config):
        if d.is_alert_start:
            if current:
                spikes.append(_spike(current))
            current, pending = [d], []
        elif current and d.in_spike:
            current += [*pending, d]  # a re-trigger within the cooldown continues the spike
            pending = []
        elif current and d.t - current[-1].t <= cooldown:
            pending.append(d)
        elif current:
            spikes.append(_spike(current))
            current, pending = [], []
    if current:
        spikes.append(_spike(current))
    return spikes


def _spike(ds: list[Decision]) -> Spike:
    return Spike(
        start=ds[0].t,
        end=ds[-1].t,
        score=max(d.score for d in ds if d.in_spike),
        peak=max(d.value for d in ds),
        observed=sum(d.value for d in ds),
        expected=sum(d.baseline for d in ds),
    )


def _check_value(value: float, total: float | None, kind: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise SeriesInvalid(f"value must be a finite number >= 0, not {value!r}")
    if kind == "share" and (total is None or not math.isfinite(total) or total < value):
        raise SeriesInvalid(f"share detector needs a total >= value, not {total!r}")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None
