"""SpikeConfig: every knob of the spike detector, JSON-serialisable (it lives in AlertRule.params).

Durations are in minutes so one config fits any interval; the detector turns them into intervals.
"""

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Kind = Literal["count", "share"]


class ConfigInvalid(ValueError):
    """A SpikeConfig field is missing, unknown or out of range; the message names the field."""


@dataclass(frozen=True)
class SpikeConfig:
    kind: Kind = "count"  # "count": mentions per interval; "share": negatives / total
    interval_minutes: float | None = None  # None: inferred from the series (detect_series)
    timezone: str = "Europe/Amsterdam"  # time of day and day of week are read in this zone
    # Baseline (count): expected = level x profile(hour of week), profile linearly interpolated
    # between slot centres; each slot learns from its own past weeks.
    slot_minutes: int = 60
    profile_weekly_weight: float = 0.3  # share of a slot's estimate renewed by each new week
    level_halflife_minutes: float = 360.0  # how fast the level follows trends and level shifts
    huber_k: float = 2.0  # a point moves the baseline by at most huber_k standard deviations
    dispersion: float = 0.04  # relative model error squared: var = mu + dispersion * mu^2
    scale_halflife_minutes: float = 2880.0  # memory of the learned noise and score scales
    # Score over a trailing window whose top third (at least one interval) counts as the next
    # value down, so a one- or two-interval blip cannot raise an alert on its own.
    window_minutes: float = 30.0
    min_window_intervals: int = 3
    threshold: float = 4.5  # enter a spike at score >= threshold (T_on) ...
    threshold_off: float = 2.0  # ... and leave it when the score falls below threshold_off (T_off)
    min_count: float = 30.0  # count: mentions in the window; share: negative mentions
    min_ratio: float = 2.0  # count: observed / expected in the window
    min_total: float = 30.0  # share: mentions (all sentiments) in the window
    min_share_increase: float = 0.15  # share: observed share - baseline share
    share_halflife_minutes: float = 1440.0
    cooldown_minutes: float = 360.0  # after a spike ends, a re-trigger continues it (no alert)
    warmup_minutes: float = 7 * 24 * 60.0  # no alerts in the first week (every slot seen once)

    def __post_init__(self) -> None:
        if self.kind not in ("count", "share"):
            raise ConfigInvalid(f"kind must be 'count' or 'share', not {self.kind!r}")
        if self.interval_minutes is not None and not self.interval_minutes > 0:
            raise ConfigInvalid("interval_minutes must be positive")
        if not (isinstance(self.slot_minutes, int) and self.slot_minutes > 0) or (
            24 * 60 % self.slot_minutes
        ):
            raise ConfigInvalid("slot_minutes must be a whole number dividing a day, e.g. 30 or 60")
        if not (isinstance(self.min_window_intervals, int) and self.min_window_intervals >= 1):
            raise ConfigInvalid("min_window_intervals must be a whole number >= 1")
        if not self.threshold_off <= self.threshold:
            raise ConfigInvalid("threshold_off must not exceed threshold (hysteresis)")
        if not 0 < self.profile_weekly_weight <= 1:
            raise ConfigInvalid("profile_weekly_weight must be in (0, 1]")
        positive = ("level_halflife_minutes", "scale_halflife_minutes", "share_halflife_minutes")
        for name in (*positive, "window_minutes", "huber_k"):
            if not getattr(self, name) > 0:
                raise ConfigInvalid(f"{name} must be positive")
        for name in ("min_count", "min_ratio", "cooldown_minutes", "warmup_minutes", "dispersion"):
            if getattr(self, name) < 0:
                raise ConfigInvalid(f"{name} must not be negative")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigInvalid(f"unknown timezone {self.timezone!r}") from exc

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SpikeConfig":
        """Build from a dict such as AlertRule.params; unknown keys raise ConfigInvalid."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigInvalid(f"unknown spike config field(s): {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigInvalid(str(exc)) from exc

    def with_overrides(self, **overrides: Any) -> "SpikeConfig":
        """A copy with the given fields replaced; None values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
