"""Build the labelled mention-volume series of bench/detection_quality.py (see SOURCE.md).

    .venv/bin/python bench/data/detection/build_series.py

Writes <set>_<name>.csv (timestamp,value) and <set>_<name>.labels.json for the dev set (used to
tune the default SpikeConfig) and the test set (reported; other seeds, dates and CrisisLex events).
Volume per interval ~ Poisson(rate x Gamma(r, 1/r)) (negative binomial), where rate = base x
weekly profile (Europe/Amsterdam local time) x slow trend x level shifts x day factor x AR(1)
mood; plus one-interval blips and labelled storms. Storm size: at its peak a storm adds
(R - 1) x the usual rate of that hour, R log-uniform in [2.5, 25], and at least 90 mentions/h.
"""

import json
import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from crisislex import AFTER, BEFORE, Onset, load_onsets, peak_hour  # noqa: E402

TZ = ZoneInfo("Europe/Amsterdam")
WARMUP_DAYS = 7
MIN_PEAK_EXTRA = 90.0  # mentions per hour
_OFFICE = [.10, .07, .05, .05, .05, .08, .20, .45, .80, 1, 1, .95, .80, .85, .95, .95, .90, .75,
           .55, .45, .40, .35, .25, .15]  # fmt: skip
_OFFICE_MON = [
    v * m for v, m in zip(_OFFICE, [1] * 8 + [1.5, 1.8, 1.7, 1.4, 1.2] + [1] * 11, strict=True)
]
_OFFICE_WE = [.12, .08, .06, .05, .05, .05, .07, .10, .15, .22, .28, .30, .30, .30, .28, .27, .26,
              .25, .25, .27, .30, .30, .22, .14]  # fmt: skip
_CONSUMER = [.25, .15, .08, .05, .04, .05, .12, .30, .45, .50, .50, .55, .60, .55, .50, .50, .55,
             .65, .80, .95, 1, .95, .75, .45]  # fmt: skip
_CONSUMER_WE = [.40, .25, .12, .06, .04, .04, .06, .15, .35, .60, .70, .75, .75, .70, .70, .70,
                .75, .85, .95, 1.1, 1.2, 1.1, .85, .55]  # fmt: skip
_NEWS = [.15, .10, .07, .05, .05, .10, .40, .90, 1, .85, .70, .65, .70, .65, .60, .60, .65, .80,
         .90, .85, .70, .55, .40, .25]  # fmt: skip
_MUNI = [.02, .02, .02, .02, .02, .03, .08, .30, .80, 1, 1, .90, .80, .90, .95, .90, .70, .40,
         .25, .20, .15, .10, .06, .03]  # fmt: skip
PROFILES = {  # Monday .. Sunday
    "office": [_OFFICE_MON, _OFFICE, _OFFICE, _OFFICE, _OFFICE, _OFFICE_WE, _OFFICE_WE],
    "consumer": [_CONSUMER] * 5 + [_CONSUMER_WE] * 2,
    "news": [_NEWS] * 5 + [[v * 0.75 for v in _NEWS]] * 2,
    "muni": [_MUNI] * 5 + [[max(v * 0.12, 0.02) for v in _MUNI]] * 2,
}
# name, profile, interval min, weeks, start (local), base mentions/h, trend, level shifts
# [(day, factor)] (day 40.45: 10:48 on day 40), synthetic storms, CrisisLex storms,
# gaps [(day, hours)] (rows left out of the CSV: the detector counts them as zero)
SERIES = [
    ("office_5min", "office", 5, 10, "2024-02-21", 240, 1.25, [(40.45, 2.0)], 8, 0, []),
    ("consumer_10min", "consumer", 10, 12, "2023-09-13", 120, 0.8, [(55.8, 0.6)], 8, 0, [(30, 3)]),
    ("muni_15min", "muni", 15, 16, "2024-01-08", 40, 1.4, [(70.4, 1.8)], 8, 0, []),
    ("news_5min", "news", 5, 6, "2023-10-02", 600, 1.1, [], 2, 4, []),
    ("office_10min_t26", "office", 10, 12, "2023-05-03", 150, 1.0, [(30.42, 2.2)], 4, 4, []),
    ("consumer_15min_t26", "consumer", 15, 12, "2024-03-11", 60, 1.2, [(60.55, 1.7)], 4, 4, []),
]
SEEDS = {"dev": 1000, "test": 2000}


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


def profile(kind: str, local: datetime) -> float:
    days = PROFILES[kind]
    hour = local.hour + local.minute / 60
    h, frac = int(hour), hour - int(hour)
    today = days[local.weekday()]
    nxt = today[h + 1] if h < 23 else days[(local.weekday() + 1) % 7][0]
    return today[h] * (1 - frac) + nxt * frac


def storm_shape(rng: random.Random) -> tuple[str, list[float]]:
    """(shape, extra rate per minute relative to the peak), 1-minute resolution."""
    shape = rng.choice(["viral", "viral", "slow_build", "plateau", "double"])
    if shape == "viral":
        half = rng.uniform(30, 240)
        curve = [min(m / 15, 1) * 0.5 ** (max(m - 15, 0) / half) for m in range(int(half * 5))]
    elif shape == "slow_build":
        ramp = rng.uniform(120, 360)
        curve = [0.05 * 20 ** (m / ramp) for m in range(int(ramp))]
        curve += [1.0] * 60 + [0.5 ** (m / 120) for m in range(480)]
    elif shape == "plateau":
        curve = [1.0] * int(rng.uniform(120, 360)) + [0.5 ** (m / 30) for m in range(150)]
    else:
        gap = int(rng.uniform(60, 180))
        one = [min(m / 10, 1) * 0.5 ** (max(m - 10, 0) / 45) for m in range(gap)]
        curve = (
            one
            + [0.8 * v / max(one) for v in one]
            + [one[-1] * 0.5 ** (m / 45) for m in range(200)]
        )
    return shape, curve


def storm_times(rng: random.Random, start: datetime, days: int, n: int) -> list[datetime]:
    """n storm starts >= 2 days apart after the warm-up: one at night, one Monday ~9:00."""
    times: list[datetime] = []
    while len(times) < n:
        day = rng.randint(WARMUP_DAYS + 1, days - 2)
        d = (start + timedelta(days=day)).replace(minute=rng.randrange(0, 60, 5))
        if not times:  # at night
            d = d.replace(hour=rng.randint(1, 4))
        elif len(times) == 1:  # Monday morning, on top of the weekly Monday rise
            d = d.replace(hour=9, minute=0) + timedelta(days=-d.weekday())
        else:
            d = d.replace(hour=rng.randint(0, 23))
        late_enough = (d - start).days >= WARMUP_DAYS + 1
        if late_enough and all(abs((d - t).total_seconds()) > 2 * 86400 for t in times):
            times.append(d)
    return sorted(times)


def build(spec: tuple, set_name: str, index: int, onsets: list[Onset]) -> tuple[list, dict]:
    name, kind, interval, weeks, start_s, base, trend, shifts, n_syn, n_t26, gaps = spec
    rng = random.Random(SEEDS[set_name] + index)
    start = datetime.fromisoformat(start_s).replace(tzinfo=TZ)
    if set_name == "dev":
        start -= timedelta(days=rng.randint(14, 40))
    days, step = weeks * 7, timedelta(minutes=interval)
    n_points = days * 24 * 60 // interval
    start_utc = start.astimezone(UTC)  # aware arithmetic in one zone would be wall-clock time
    times = [(start_utc + k * step).astimezone(TZ) for k in range(n_points)]

    def usual(t: datetime) -> float:  # expected mentions per hour, no noise
        day = (t.astimezone(UTC) - start_utc).total_seconds() / 86400
        level = trend ** (day / days) * math.prod(f for d, f in shifts if day >= d)
        return base * profile(kind, t.astimezone(TZ)) * level

    # noise: day factors, AR(1) mood on the log scale (correlation time about 2 h), NB size r
    day_factor = [math.exp(rng.gauss(0, 0.08)) for _ in range(days + 1)]
    r_size, mood, phi = rng.choice([8, 12, 20]), 0.0, math.exp(-interval / 120)
    extra = [0.0] * n_points
    storms = []
    starts = storm_times(rng, start, days, n_syn + n_t26)
    rng.shuffle(starts)
    for s_i, s_t in enumerate(sorted(starts[:n_syn]) + sorted(starts[n_syn:])):
        ratio = math.exp(rng.uniform(math.log(2.5), math.log(25)))
        if s_i < n_syn:
            shape, curve = storm_shape(rng)
            peak_m, first_m, source = max(range(len(curve)), key=curve.__getitem__), 0, "synthetic"
        else:
            o = onsets.pop(0)
            shape, source, peak_m = "crisislex", f"crisislex-t26:{o.event}", int(o.peak_offset / 60)
            first_m = -BEFORE // 60  # the CrisisLex minutes start 2 h before the onset
            curve = [0.0] * int((AFTER + BEFORE) // 60)
            weight = 60 / peak_hour(o)  # the busiest hour sums to 60, like a synthetic peak
            for off in o.offsets:
                curve[int(off // 60) - first_m] += weight
        usual_peak = usual(s_t + timedelta(minutes=peak_m))
        peak_extra = max((ratio - 1) * usual_peak, MIN_PEAK_EXTRA)  # mentions per hour
        s_utc = s_t.astimezone(UTC) + timedelta(minutes=first_m)
        k0 = int((s_utc - start_utc) / step)
        for m, v in enumerate(curve):
            if 0 <= k0 + m // interval < n_points:
                extra[k0 + m // interval] += v * peak_extra / 60
        span = storm_span(curve, peak_extra, s_utc, usual)
        storms.append({
            "start": span[0].astimezone(TZ).isoformat(), "end": span[1].astimezone(TZ).isoformat(),
            "shape": shape, "source": source, "peak_ratio": round(ratio, 2),
            "peak_extra_per_hour": round(peak_extra),
        })  # fmt: skip
    missing = {
        k for d, h in gaps for k in range(d * 1440 // interval, (d * 1440 + h * 60) // interval)
    }
    rows, blips = [], 0
    for k, t in enumerate(times):
        mood = phi * mood + math.sqrt(1 - phi * phi) * rng.gauss(0, 0.1)
        lam = usual(t) * interval / 60 * day_factor[k * interval // 1440] * math.exp(mood)
        value = poisson(rng, lam * rng.gammavariate(r_size, 1 / r_size) + extra[k])
        if rng.random() < 3 / (7 * 1440 / interval):  # about 3 one-interval blips a week
            value += poisson(rng, lam * rng.uniform(3, 10) + rng.uniform(10, 40))
            blips += 1
        if k not in missing:
            rows.append((t, value))
    labels = {
        "series": f"{set_name}_{name}", "set": set_name, "interval_minutes": interval,
        "timezone": "Europe/Amsterdam", "weeks": weeks, "warmup_days": WARMUP_DAYS,
        "profile": kind, "base_per_hour": base, "trend": trend, "nb_size": r_size,
        "level_shifts": [{"at": (start_utc + timedelta(days=d)).astimezone(TZ).isoformat(),
                          "factor": f} for d, f in shifts],
        "gaps": [{"at": (start + timedelta(days=d)).isoformat(), "hours": h} for d, h in gaps],
        "blips": blips, "storms": storms,
    }  # fmt: skip
    return rows, labels


def storm_span(curve: list[float], peak_extra: float, first: datetime, usual) -> tuple:
    """Labelled window: while the storm at least doubles the usual volume (its extra, 30-minute
    moving average, >= the usual rate of that moment): first to last such minute."""
    run = [sum(curve[max(0, m - 15) : m + 15]) / 30 * peak_extra for m in range(len(curve))]
    above = [m for m in range(0, len(run), 5) if run[m] >= usual(first + timedelta(minutes=m))]
    if not above:
        raise ValueError("a storm that never doubles the volume: raise its size")
    return first + timedelta(minutes=above[0]), first + timedelta(minutes=above[-1])


def main() -> None:
    onsets = load_onsets()
    pools = {"dev": onsets[0::2], "test": onsets[1::2]}
    for set_name in ("dev", "test"):
        pool = list(pools[set_name])
        random.Random(SEEDS[set_name]).shuffle(pool)
        for index, spec in enumerate(SERIES):
            rows, labels = build(spec, set_name, index, pool)
            stem = HERE / f"{set_name}_{spec[0]}"
            with stem.with_suffix(".csv").open("w", encoding="utf-8") as fh:
                fh.write("timestamp,value\n")
                fh.writelines(f"{t.isoformat()},{v}\n" for t, v in rows)
            stem.with_suffix(".labels.json").write_text(json.dumps(labels, indent=1) + "\n")
            print(f"{stem.name}: {len(rows)} rows, {len(labels['storms'])} storms")


if __name__ == "__main__":
    main()
