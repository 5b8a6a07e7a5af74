"""What the detector returns: one Decision per interval, one Spike per alert (JSON-ready)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitoring.detection.config import SpikeConfig


@dataclass(frozen=True)
class Decision:
    t: datetime
    score: float
    observed: float  # count: mentions in the window; share: negative share in the window
    expected: float  # the same quantity as the baseline predicted it
    count: float  # mentions (count) or negative mentions (share) in the window
    total: float | None  # share only: all mentions in the window
    value: float  # this interval's value ...
    baseline: float  # ... and its expected value
    window_start: datetime
    window_end: datetime  # exclusive: t + interval
    in_spike: bool
    is_alert_start: bool
    is_warming_up: bool

    def details(self, config: SpikeConfig) -> dict[str, Any]:
        """The numbers behind an alert, JSON-ready (for Alert.details)."""
        return {
            "detector": config.kind,
            "score": round(self.score, 2),
            "observed": round(self.observed, 4),
            "expected": round(self.expected, 4),
            "count": self.count,
            "total": self.total,
            "threshold": config.threshold,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "window_minutes": (self.window_end - self.window_start).total_seconds() / 60,
        }


@dataclass(frozen=True)
class Spike:
    start: datetime  # the interval whose decision raised the alert
    end: datetime  # the last interval still in the spike
    score: float  # highest score during the spike
    peak: float  # highest single-interval value
    observed: float  # sum of values from start to end
    expected: float  # sum of baselines from start to end

    def to_dict(self, tz: ZoneInfo | None = None) -> dict[str, Any]:
        def iso(t: datetime) -> str:
            return (t.astimezone(tz) if tz else t).isoformat()

        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "score": round(self.score, 2),
            "peak": self.peak,
            "observed": round(self.observed, 2),
            "expected": round(self.expected, 2),
        }
