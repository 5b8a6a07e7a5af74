"""python manage.py detect_backtest --series FILE.csv"""

import json
import math
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

START = datetime(2024, 1, 8, tzinfo=UTC)  # a Monday


def _run(*args: str) -> list[dict]:
    out = StringIO()
    call_command("detect_backtest", *args, stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _write(tmp_path: Path, rows: list[str], header: str = "timestamp,value") -> Path:
    path = tmp_path / "series.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def storm_csv(tmp_path: Path) -> Path:
    """Ten days at 10 minutes: a smooth daily cycle, a storm on day 9 at 14:00 (UTC)."""
    storm = START + timedelta(days=9, hours=14)
    rows = []
    for k in range(6 * 24 * 10):
        t = START + timedelta(minutes=10 * k)
        value = round(20 + 15 * math.sin(2 * math.pi * (t.hour - 9) / 24))
        if storm <= t < storm + timedelta(hours=2):
            value += 200
        rows.append(f"{t.isoformat()},{value}")
    return _write(tmp_path, rows)


def test_detect_backtest_prints_one_json_line_per_spike(storm_csv):
    [spike] = _run("--series", str(storm_csv))
    assert {"start", "end", "score", "peak", "observed", "expected"} <= set(spike)
    start = datetime.fromisoformat(spike["start"])
    storm = START + timedelta(days=9, hours=14)
    assert storm < start <= storm + timedelta(minutes=20)  # two storm intervals: not a blip
    assert start.utcoffset() == timedelta(hours=1)  # printed in Europe/Amsterdam
    assert spike["peak"] >= 200
    assert spike["observed"] > spike["expected"]


def test_detect_backtest_options_override_the_config(storm_csv):
    assert _run("--series", str(storm_csv), "--min-count", "100000") == []
    assert _run("--series", str(storm_csv), "--threshold", "1000") == []
    assert len(_run("--series", str(storm_csv), "--cooldown", "0", "--warmup", "0")) >= 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024-01-08T00:20:00+00:00,many", "line 4: value 'many' is not a number"),
        ("yesterday,3", "line 4: bad timestamp 'yesterday'"),
        ("2024-01-08T00:20:00+00:00,-1", "line 4: value must be a finite number >= 0"),
        ("2024-01-08T00:20:00+00:00", "line 4: expected 2 columns, got 1"),
    ],
)
def test_detect_backtest_bad_row_names_the_line(tmp_path, row, message):
    rows = ["2024-01-08T00:00:00+00:00,1", "2024-01-08T00:10:00+00:00,2", row]
    with pytest.raises(CommandError, match=message):
        _run("--series", str(_write(tmp_path, rows)))


def test_detect_backtest_rejects_irregular_series_and_bad_header(tmp_path):
    rows = ["2024-01-08T00:00:00+00:00,1", "2024-01-08T00:10:00+00:00,2", "2024-01-08T00:25:00Z,2"]
    with pytest.raises(CommandError, match="irregular interval"):
        _run("--series", str(_write(tmp_path, rows)))
    with pytest.raises(CommandError, match="line 1: the header"):
        _run("--series", str(_write(tmp_path, rows, header="time,count")))
    with pytest.raises(CommandError, match="Cannot read"):
        _run("--series", str(tmp_path / "missing.csv"))


def test_detect_backtest_needs_series_or_mentions():
    with pytest.raises(CommandError, match="--series"):
        _run()
