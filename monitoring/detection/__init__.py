"""Spike and negativity-surge detection: pure Python, no Django imports (easy to bench and test).

Live use (one detector per alert rule, its state stored on the rule between evaluations):

    config = SpikeConfig.from_dict(rule.params)                 # interval_minutes must be set
    detector = SpikeDetector(config, state=rule_state or None)  # StateIncompatible: use None
    for t in closed_intervals_since(detector.last_t):           # interval starts, on the grid
        decision = detector.update(t, mentions_in(t), total_in(t))  # total: kind "share" only
        if decision.is_alert_start:
            ...  # create the Alert; decision.details(config) holds the numbers behind it
    rule_state = detector.state_dict()                          # plain JSON, save with the rule

A new rule can skip the one-week warm-up by feeding the stored history of its workspace through
update() once. Backtests use detect_series(points, config), which feeds the same SpikeDetector
point by point (bench/detection_quality.py, `manage.py detect_backtest`).
"""

from monitoring.detection.config import ConfigInvalid, SpikeConfig
from monitoring.detection.results import Decision, Spike
from monitoring.detection.series import (
    SeriesInvalid,
    SeriesIrregular,
    parse_series_csv,
    regular_points,
)
from monitoring.detection.spike import (
    SpikeDetector,
    StateIncompatible,
    detect_series,
    iter_decisions,
)

__all__ = [
    "ConfigInvalid",
    "Decision",
    "SeriesInvalid",
    "SeriesIrregular",
    "Spike",
    "SpikeConfig",
    "SpikeDetector",
    "StateIncompatible",
    "detect_series",
    "iter_decisions",
    "parse_series_csv",
    "regular_points",
]
