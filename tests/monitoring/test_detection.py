"""Spike and negativity-surge detector (monitoring.detection): pure Python, no database."""

import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitoring.detection import (
    ConfigInvalid,
    SeriesInvalid,
    SeriesIrregular,
    SpikeConfig,
    SpikeDetector,
    StateIncompatible,
    detect_series,
    iter_decisions,
    parse_series_csv,
)

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2024, 1, 8, tzinfo=AMS)  # a Monday
Rate = Callable[[datetime], float]  # expected mentions per hour at a local time


def poisson(rng: random.Random, lam: float) -> int:
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


def office(t: datetime) -> float:
    """Busy office hours on weekdays, quiet nights and weekends (mentions per hour)."""
    day = max(0.0, math.sin(math.pi * (t.hour + t.minute / 60 - 7) / 12))
    return 20 + (220 if t.weekday() < 5 else 40) * day


def series(
    rate: Rate, *, weeks: float = 3, interval: int = 5, seed: int = 1, start: datetime = START
) -> list[tuple[datetime, float]]:
    rng = random.Random(seed)
    n = int(weeks * 7 * 24 * 60 / interval)
    utc = start.astimezone(UTC)  # aware arithmetic within one zone would be wall-clock time
    times = [(utc + k * timedelta(minutes=interval)).astimezone(AMS) for k in range(n)]
    return [(t, float(poisson(rng, rate(t) * interval / 60))) for t in times]


def storm(at: datetime, hours: float, per_hour: float) -> Rate:
    end = at + timedelta(hours=hours)
    return lambda t: office(t) + (per_hour if at <= t < end else 0.0)


def after(days: float, hour: int = 0) -> datetime:
    return START + timedelta(days=days, hours=hour)


def test_spike_config_round_trips_through_json():
    config = SpikeConfig(threshold=5.0, cooldown_minutes=30, kind="share")
    assert SpikeConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ConfigInvalid, match="bogus"):
        SpikeConfig.from_dict({"bogus": 1})
    with pytest.raises(ConfigInvalid, match="threshold_off"):
        SpikeConfig(threshold=3, threshold_off=4)
    with pytest.raises(ConfigInvalid, match="timezone"):
        SpikeConfig(timezone="Mars/Olympus")


def test_detect_series_finds_a_storm_with_start_end_and_score():
    at = after(15, 14)  # a Tuesday afternoon in week 3
    rows = series(storm(at, hours=3, per_hour=600))
    [spike] = detect_series(rows, SpikeConfig())
    assert at <= spike.start <= at + timedelta(minutes=20)
    assert at + timedelta(hours=2) <= spike.end <= at + timedelta(hours=4)
    assert spike.score >= SpikeConfig().threshold
    assert spike.observed > 2 * spike.expected
    assert spike.peak == max(v for t, v in rows if spike.start <= t <= spike.end)
    assert set(spike.to_dict()) == {"start", "end", "score", "peak", "observed", "expected"}


def test_detector_alert_decision_explains_itself():
    at = after(15, 14)
    decisions = list(iter_decisions(series(storm(at, 3, 600)), SpikeConfig()))
    [alert] = [d for d in decisions if d.is_alert_start]
    details = alert.details(SpikeConfig())
    assert details["observed"] > details["expected"] * SpikeConfig().min_ratio
    assert details["window_minutes"] == 30
    assert details["window_end"] == (alert.t + timedelta(minutes=5)).isoformat()
    assert details["threshold"] == SpikeConfig().threshold
    json.dumps(details)


def test_detect_series_is_causal_prefix_decisions_equal_full_run():
    rows = series(storm(after(10, 3), 2, 400), weeks=2.5, seed=3)
    full = list(iter_decisions(rows, SpikeConfig()))
    for cut in (50, 2016, 2016 + 170, 2880 + 40, len(rows) - 1):
        assert list(iter_decisions(rows[:cut], SpikeConfig(interval_minutes=5))) == full[:cut]
    spikes = detect_series(rows, SpikeConfig())
    assert spikes
    assert detect_series(rows[: 2880 + 40], SpikeConfig())[0].start == spikes[0].start


def test_weekly_monday_morning_rise_is_not_an_alert_but_the_same_rise_on_wednesday_is():
    def monday_rush(t: datetime) -> float:
        return office(t) * (4 if t.weekday() == 0 and 8 <= t.hour < 11 else 1)

    wednesday = after(23, 8)  # Wednesday of week 4

    def with_wednesday_rush(t: datetime) -> float:
        rush = wednesday <= t < wednesday + timedelta(hours=3)
        return monday_rush(t) * (4 if rush else 1)

    assert detect_series(series(monday_rush, weeks=5), SpikeConfig()) == []
    [spike] = detect_series(series(with_wednesday_rush, weeks=5), SpikeConfig())
    assert wednesday <= spike.start <= wednesday + timedelta(hours=1)


def test_jump_from_one_to_four_per_interval_is_not_an_alert_but_ten_to_forty_is():
    def jump(low: float) -> list[tuple[datetime, float]]:
        rows = [(after(0) + timedelta(minutes=5 * k), low) for k in range(12 * 24 * 9)]
        at = len(rows) - 12 * 24
        return rows[:at] + [(t, low * 4) for t, _ in rows[at : at + 36]] + rows[at + 36 :]

    assert detect_series(jump(1.0), SpikeConfig()) == []  # 24 mentions in 30 min < min_count
    assert len(detect_series(jump(10.0), SpikeConfig())) == 1


def test_cooldown_merges_a_storm_that_pauses_into_one_alert():
    at = after(15, 13)

    def pausing(t: datetime) -> float:
        on = at <= t < at + timedelta(hours=1) or at + timedelta(hours=2) <= t < at + timedelta(
            hours=3
        )
        return office(t) + (800 if on else 0)

    rows = series(pausing)
    [spike] = detect_series(rows, SpikeConfig())
    assert spike.end >= at + timedelta(hours=2)
    assert len(detect_series(rows, SpikeConfig(cooldown_minutes=0))) == 2


def test_hysteresis_one_alert_for_a_storm_hovering_at_the_threshold():
    at = after(15, 13)
    rng = random.Random(7)
    swings = [rng.choice([250, 500]) for _ in range(24)]  # mentions/h on top, per 10 minutes

    def hovering(t: datetime) -> float:
        k = int((t - at) / timedelta(minutes=10))
        return office(t) + (swings[k] if 0 <= k < len(swings) else 0)

    rows = series(hovering, seed=5)
    no_memory = SpikeConfig(threshold_off=SpikeConfig().threshold, cooldown_minutes=0)
    assert len(detect_series(rows, no_memory)) > 1  # without hysteresis or cooldown: flapping
    assert len(detect_series(rows, SpikeConfig())) == 1


def test_level_shift_alerts_at_most_once_then_adapts():
    shift = after(16, 10)  # Wednesday 10:00: a campaign triples the volume for good
    rows = series(lambda t: office(t) * (3 if t >= shift else 1), weeks=5)
    spikes = detect_series(rows, SpikeConfig())
    assert len(spikes) <= 1
    decisions = list(iter_decisions(rows, SpikeConfig()))
    last_day = decisions[-288:]
    assert not any(d.in_spike for d in last_day)
    observed, expected = sum(d.value for d in last_day), sum(d.baseline for d in last_day)
    assert 0.8 < observed / expected < 1.25


def test_state_dict_round_trip_gives_identical_decisions():
    rows = series(storm(after(9, 11), 2, 500), weeks=2)
    config = SpikeConfig(interval_minutes=5)
    straight = SpikeDetector(config)
    expected = [straight.update(t, v) for t, v in rows]
    got, state = [], None
    for k in range(0, len(rows), 97):  # a "live" rule: restore, a few intervals, store
        detector = SpikeDetector(config, state=json.loads(json.dumps(state)) if state else None)
        got += [detector.update(t, v) for t, v in rows[k : k + 97]]
        state = detector.state_dict()
    assert got == expected
    assert any(d.is_alert_start for d in got)


def test_state_from_another_interval_is_rejected():
    detector = SpikeDetector(SpikeConfig(interval_minutes=5))
    detector.update(START, 3)
    with pytest.raises(StateIncompatible):
        SpikeDetector(SpikeConfig(interval_minutes=10), state=detector.state_dict())


def test_negativity_surge_found_with_enough_mentions_but_not_on_a_handful():
    def share_series(total: float, surge: float) -> list[tuple[datetime, float, float]]:
        rng, rows = random.Random(2), []
        at = after(9, 12)
        for k in range(12 * 24 * 11):
            t = START + timedelta(minutes=5 * k)
            share = surge if at <= t < at + timedelta(hours=2) else 0.2
            n = poisson(rng, total)
            rows.append((t, float(sum(rng.random() < share for _ in range(n))), float(n)))
        return rows

    config = SpikeConfig(kind="share")
    [spike] = detect_series(share_series(total=30, surge=0.6), config)
    assert after(9, 12) <= spike.start <= after(9, 13)
    assert detect_series(share_series(total=30, surge=0.25), config) == []  # +5 points only
    assert detect_series(share_series(total=2, surge=0.9), config) == []  # too few mentions
    with pytest.raises(SeriesInvalid, match="total"):
        detect_series([(START, 1.0)], config)


def test_gaps_count_as_zero_mentions():
    rows = series(office, weeks=1)
    with_gap = rows[:100] + rows[112:]
    decisions = list(iter_decisions(with_gap, SpikeConfig()))
    assert len(decisions) == len(rows)
    assert [d.value for d in decisions[100:112]] == [0.0] * 12
    assert decisions[112].t == rows[112][0]


def test_irregular_interval_raises_a_clear_error():
    rows = [
        (START, 1.0),
        (after(0) + timedelta(minutes=5), 2.0),
        (after(0) + timedelta(minutes=12), 1.0),
    ]
    with pytest.raises(SeriesIrregular, match=r"7 minutes, not a multiple of the 5-minute"):
        detect_series(rows, SpikeConfig())
    with pytest.raises(SeriesInvalid, match="must increase"):
        detect_series([(START, 1.0), (START, 2.0)], SpikeConfig())


def test_update_rejects_naive_and_off_grid_timestamps():
    detector = SpikeDetector(SpikeConfig(interval_minutes=15))
    with pytest.raises(SeriesInvalid, match="time zone"):
        detector.update(datetime(2024, 1, 1), 1)  # noqa: DTZ001 (the naive time is the test)
    detector.update(START, 1)
    with pytest.raises(SeriesInvalid, match="whole number"):
        detector.update(START + timedelta(minutes=20), 1)
    with pytest.raises(SeriesInvalid, match="whole number"):
        detector.update(START, 1)


def test_day_and_hour_are_read_in_the_configured_time_zone():
    rows = series(storm(after(15, 14), 3, 600), weeks=3)
    in_utc = [(t.astimezone(ZoneInfo("UTC")), v) for t, v in rows]
    assert detect_series(in_utc, SpikeConfig()) == detect_series(rows, SpikeConfig())
    shifted = list(iter_decisions(rows, SpikeConfig(timezone="America/New_York")))
    local = list(iter_decisions(rows, SpikeConfig()))
    assert [d.baseline for d in shifted[-100:]] != [d.baseline for d in local[-100:]]


def test_real_crisis_onsets_are_found():
    """CrisisLex T26 onsets (real tweet volumes) injected into a 5-minute series (bench data)."""
    data = Path(__file__).resolve().parents[2] / "bench" / "data" / "detection"
    labels = json.loads((data / "test_news_5min.labels.json").read_text())
    rows = parse_series_csv((data / "test_news_5min.csv").read_text())
    spikes = detect_series(rows, SpikeConfig())
    real = [s for s in labels["storms"] if s["source"].startswith("crisislex")]
    assert len(real) == 4
    for s in real:
        start = datetime.fromisoformat(s["start"])
        assert any(start <= sp.start <= datetime.fromisoformat(s["end"]) for sp in spikes), s
