"""Robust, causal baselines for the spike detector: each learns one point at a time from the past.

CountBaseline: expected mentions per interval, mu = level * profile(position in the week), a robust
multiplicative Holt-Winters model (after Gelper, Fried & Croux 2010, "Robust forecasting with
exponential and Holt-Winters smoothing"): every observation is first clipped to
mu +- huber_k * sd ("Huber cleaning"), so a storm or blip moves the baseline by a bounded amount
per interval, while a lasting level shift is still absorbed within hours.

ShareBaseline: expected share of negative mentions, an EWMA of clipped negatives over an EWMA of
totals (no time-of-day profile: the share varies far less over the day than the volume).
"""

import math
from typing import Any

from monitoring.detection.config import SpikeConfig

WEEK_MINUTES = 7 * 24 * 60
SCALE_CLIP = 3.0  # residuals beyond 3 sd count as 3 sd when the noise scale is learned


def decay_rate(halflife_minutes: float, interval_minutes: float) -> float:
    """Per-interval EWMA weight whose influence halves every `halflife_minutes`."""
    return 1.0 - 0.5 ** (interval_minutes / halflife_minutes)


def count_variance(mu: float, dispersion: float) -> float:
    """Poisson variance (at least 1) plus a relative model error, before the learned scale."""
    return max(mu, 1.0) + dispersion * mu * mu


class CountBaseline:
    """Level x weekly profile; state is plain lists and floats (see state_dict)."""

    def __init__(self, cfg: SpikeConfig, interval: float, state: dict[str, Any] | None = None):
        self.cfg = cfg
        self.n_slots = WEEK_MINUTES // cfg.slot_minutes
        self.slots_per_day = self.n_slots // 7
        self.alpha = decay_rate(cfg.level_halflife_minutes, interval)
        self.beta = decay_rate(cfg.scale_halflife_minutes, interval)
        # Each slot gets about slot/interval updates a week; together they renew
        # profile_weekly_weight of the slot's estimate.
        per_week = max(cfg.slot_minutes / interval, 1.0)
        self.gamma = 1.0 - (1.0 - cfg.profile_weekly_weight) ** (1.0 / per_week)
        state = state or {}
        self.profile: list[float] = list(state.get("profile", [1.0] * self.n_slots))
        self.seen: list[float] = list(state.get("seen", [0.0] * self.n_slots))
        # level = EWMA(cleaned counts) / EWMA(profile): a ratio of sums, so quiet night slots
        # (profile near 0) carry little weight instead of dividing by almost nothing.
        self.level_num: float | None = state.get("level_num")
        self.level_den: float = state.get("level_den", 1.0)
        self.scale2: float = state.get("scale2", 1.0)
        self.day: int | None = state.get("day")

    def state_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "seen": self.seen,
            "level_num": self.level_num,
            "level_den": self.level_den,
            "scale2": self.scale2,
            "day": self.day,
        }

    def _slot_value(self, i: int) -> float:
        """A slot's estimate; an unseen slot borrows the same hour of an earlier day, else the
        nearest earlier seen slot (the first week, before every hour of the week was seen)."""
        if self.seen[i] > 0:
            return self.profile[i]
        for back in range(1, 7):
            j = (i - back * self.slots_per_day) % self.n_slots
            if self.seen[j] > 0:
                return self.profile[j]
        for back in range(1, self.n_slots):
            j = (i - back) % self.n_slots
            if self.seen[j] > 0:
                return self.profile[j]
        return 1.0

    def _neighbours(self, minute_of_week: float) -> tuple[int, int, float]:
        pos = minute_of_week / self.cfg.slot_minutes - 0.5  # slot centres sit mid-slot
        lo = math.floor(pos)
        frac = pos - lo
        return lo % self.n_slots, (lo + 1) % self.n_slots, frac

    def _shape(self, minute_of_week: float) -> float:
        i, j, frac = self._neighbours(minute_of_week)
        return max((1 - frac) * self._slot_value(i) + frac * self._slot_value(j), 1e-6)

    @property
    def level(self) -> float | None:
        return None if self.level_num is None else self.level_num / self.level_den

    def expect(self, minute_of_week: float) -> float:
        """Expected mentions in the interval (0 before any data)."""
        level = self.level
        return 0.0 if level is None else level * self._shape(minute_of_week)

    def learn(self, minute_of_week: float, value: float, *, frozen: bool, huber_k: float) -> None:
        """Absorb one interval. `frozen` (inside a spike): the level still follows, clipped, so a
        lasting level shift ends the spike; the weekly profile and noise scale do not learn."""
        if self.level_num is None:
            self.level_num, self.level_den = max(value, 1.0), 1.0
        self._fold_level_at_midnight(minute_of_week)
        level = self.level_num / self.level_den
        shape = self._shape(minute_of_week)
        mu = level * shape
        var = count_variance(mu, self.cfg.dispersion)
        bound = huber_k * math.sqrt(max(self.scale2, 1.0) * var)
        clean = min(max(value, mu - bound), mu + bound)
        if not frozen:
            r2 = (value - mu) ** 2 / (var * self.scale2)
            self.scale2 += self.beta * self.scale2 * (min(r2, SCALE_CLIP**2) - 1.0)
            self.scale2 = min(max(self.scale2, 0.25), 100.0)
            i, j, frac = self._neighbours(minute_of_week)
            for slot, weight in ((i, 1 - frac), (j, frac)):
                if weight > 0:
                    self._learn_slot(slot, weight, clean / level)
        self.level_num += self.alpha * (clean - self.level_num)
        self.level_den += self.alpha * (shape - self.level_den)

    def _learn_slot(self, slot: int, weight: float, target: float) -> None:
        if self.seen[slot] == 0:
            self.profile[slot] = self._slot_value(slot)
        self.seen[slot] += weight
        # A running mean until the slot has enough history, then an EWMA renewing gamma per update
        rate = max(weight / self.seen[slot], weight * self.gamma)
        self.profile[slot] += rate * (target - self.profile[slot])

    def _fold_level_at_midnight(self, minute_of_week: float) -> None:
        """Once a day move the level into the profile (mu unchanged), so the level stays near 1
        and the profile holds absolute counts: no drift between the two factors over months."""
        day = int(minute_of_week // (24 * 60))
        if self.day is not None and day != self.day and self.level_num is not None:
            level = self.level_num / self.level_den
            self.profile = [p * level for p in self.profile]
            self.level_den *= level  # level_num / level_den == 1 now
        self.day = day


class ShareBaseline:
    """Share of negative mentions: clipped EWMA of negatives over EWMA of totals."""

    def __init__(self, cfg: SpikeConfig, interval: float, state: dict[str, Any] | None = None):
        self.cfg = cfg
        self.rate = decay_rate(cfg.share_halflife_minutes, interval)
        self.beta = decay_rate(cfg.scale_halflife_minutes, interval)
        state = state or {}
        self.negatives: float = state.get("negatives", 0.0)
        self.total: float = state.get("total", 0.0)
        self.scale2: float = state.get("scale2", 1.0)

    def state_dict(self) -> dict[str, Any]:
        return {"negatives": self.negatives, "total": self.total, "scale2": self.scale2}

    def share(self) -> float:
        return self.negatives / self.total if self.total > 0 else 0.0

    def variance(self, total: float, share: float) -> float:
        """Binomial variance of the negatives (at least 1) plus a relative model error, before
        the learned scale."""
        expected = total * share
        return max(expected * (1 - share), 1.0) + self.cfg.dispersion * expected * expected

    def learn(self, negatives: float, total: float, *, frozen: bool, huber_k: float) -> None:
        if total <= 0:
            return
        if self.total <= 0:  # first mentions seen: start from their share
            self.negatives, self.total = negatives, total
            return
        share = self.share()
        expected = total * share
        var = self.variance(total, share)
        bound = huber_k * math.sqrt(max(self.scale2, 1.0) * var)
        clean = min(max(negatives, expected - bound), expected + bound)
        if not frozen:
            r2 = (negatives - expected) ** 2 / (var * self.scale2)
            self.scale2 += self.beta * self.scale2 * (min(r2, SCALE_CLIP**2) - 1.0)
            self.scale2 = min(max(self.scale2, 0.25), 100.0)
        self.negatives += self.rate * (clean - self.negatives)
        self.total += self.rate * (total - self.total)
