"""Recall of labelled storms and false alarms per week of the spike detector.

    .venv/bin/python bench/detection_quality.py [--set test|dev] [--set-param key=value ...]

Series: bench/data/detection/<set>_*.csv with <set>_*.labels.json (built by
bench/data/detection/build_series.py, described in its SOURCE.md). The default SpikeConfig was
tuned on the dev set; the test set (other seeds, dates and CrisisLex events) is what we report.

Rules:
- a storm is found when an alert starts inside its labelled window, from its start to its end but
  at least 60 minutes after its start; the delay is alert start - storm start;
- a false alarm is an alert whose span [start, end] overlaps no storm window;
- a repeat is a second alert for a storm that already had one (counted apart, not a false alarm);
- weeks = time after the detector's warm-up (no alerts are possible before).
No Django needed: it runs monitoring.detection.detect_series on each CSV, as detect_backtest does.
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitoring.detection import SpikeConfig, detect_series, parse_series_csv  # noqa: E402

DATA = ROOT / "bench" / "data" / "detection"
MIN_FOUND_WINDOW = timedelta(minutes=60)


@dataclass
class Result:
    name: str
    interval: float
    weeks: float
    storms: int
    found: int
    false_alarms: int
    repeats: int
    delays: list[float]
    missed: list[str]


def evaluate(csv_path: Path, config: SpikeConfig) -> Result:
    labels = json.loads(csv_path.with_suffix(".labels.json").read_text())
    rows = parse_series_csv(csv_path.read_text())
    spikes = detect_series(rows, config)
    windows = []
    for s in labels["storms"]:
        start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        windows.append((start, max(end, start + MIN_FOUND_WINDOW), s))
    found, delays, missed, repeats = 0, [], [], 0
    for start, end, storm in windows:
        hits = [sp for sp in spikes if start <= sp.start <= end]
        if hits:
            found += 1
            delays.append((hits[0].start - start).total_seconds() / 60)
        else:
            missed.append(f"{storm['shape']} R={storm['peak_ratio']} at {storm['start'][:16]}")
        overlapping = [sp for sp in spikes if sp.start <= end and sp.end >= start]
        repeats += max(len(overlapping) - 1, 0)
    false_alarms = sum(
        1
        for sp in spikes
        if not any(sp.start <= end and sp.end >= start for start, end, _ in windows)
    )
    warmup = timedelta(minutes=config.warmup_minutes)
    weeks = (rows[-1][0] - rows[0][0] - warmup) / timedelta(days=7)
    return Result(
        name=labels["series"],
        interval=labels["interval_minutes"],
        weeks=weeks,
        storms=len(windows),
        found=found,
        false_alarms=false_alarms,
        repeats=repeats,
        delays=delays,
        missed=missed,
    )


def row(name: str, r: list[Result]) -> str:
    storms, found = sum(x.storms for x in r), sum(x.found for x in r)
    weeks, fas = sum(x.weeks for x in r), sum(x.false_alarms for x in r)
    delays = [d for x in r for d in x.delays]
    median = f"{statistics.median(delays):6.0f}" if delays else "     -"
    return (
        f"{name:<27} {storms:>6} {found:>5} {found / max(storms, 1):>7.1%} {fas:>6} "
        f"{weeks:>6.1f} {fas / weeks:>8.2f} {median} {sum(x.repeats for x in r):>7}"
    )


def parse_overrides(pairs: list[str]) -> dict[str, object]:
    types = {f.name: f.type for f in fields(SpikeConfig)}
    out: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in types:
            raise SystemExit(f"unknown SpikeConfig field {key!r}")
        kind = types[key]
        out[key] = int(value) if kind is int else value if "str" in str(kind) else float(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="test", choices=["test", "dev"])
    parser.add_argument("--set-param", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--quiet", action="store_true", help="only the overall line")
    args = parser.parse_args()
    config = SpikeConfig().with_overrides(**parse_overrides(args.set_param))
    began = time.perf_counter()
    results = [evaluate(p, config) for p in sorted(DATA.glob(f"{args.set}_*.csv"))]
    header = (
        f"{'series':<27} {'storms':>6} {'found':>5} {'recall':>7} {'false':>6} "
        f"{'weeks':>6} {'FA/week':>8} {'delay':>6} {'repeats':>7}"
    )
    if not args.quiet:
        role = "held out, never used for tuning" if args.set == "test" else "used for tuning"
        print(f"set: {args.set} ({role}); the default SpikeConfig was tuned on the dev set")
        print(f"config: {json.dumps(config.to_dict())}")
        print("found: an alert starts in [storm start, max(storm end, storm start + 60 min)];")
        print("false alarm: an alert overlapping no storm; delay: median minutes to the alert;")
        print("repeats: extra alerts within a storm; weeks: after the 7-day warm-up")
        print(header)
        for r in results:
            print(row(r.name, [r]) + f"   ({r.interval:g} min)")
            for m in r.missed:
                print(f"    missed: {m}")
    print(row(f"OVERALL ({args.set})", results))
    if not args.quiet:
        print(
            f"target: recall >= 90 %, false alarms <= 0.5/week; {time.perf_counter() - began:.1f} s"
        )


if __name__ == "__main__":
    main()
