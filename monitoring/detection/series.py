"""Series input for the detector: CSV parsing and the regular-interval check (pure, no Django)."""

import csv
import io
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

Point = tuple[datetime, float] | tuple[datetime, float, float | None]
Row = tuple[datetime, float, float | None]


class SeriesInvalid(ValueError):
    """The series cannot be read or is not a regular time series; the message says where."""


class SeriesIrregular(SeriesInvalid):
    """Two timestamps are not a whole number of intervals apart."""


def parse_series_csv(text: str) -> list[Row]:
    """Rows of a `timestamp,value[,total]` CSV with a header. ISO timestamps; one without an offset
    is read as UTC. Raises SeriesInvalid naming the line of the first bad row."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "timestamp" not in header or "value" not in header:
        raise SeriesInvalid("line 1: the header must name the columns timestamp,value[,total]")
    i_t, i_v = header.index("timestamp"), header.index("value")
    i_n = header.index("total") if "total" in header else None
    rows: list[Row] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise SeriesInvalid(f"line {line}: expected {len(header)} columns, got {len(cells)}")
        try:
            t = datetime.fromisoformat(cells[i_t].strip())
        except ValueError:
            raise SeriesInvalid(f"line {line}: bad timestamp {cells[i_t]!r}") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        value = _number(cells[i_v], line, "value")
        total = _number(cells[i_n], line, "total") if i_n is not None else None
        if total is not None and total < value:
            raise SeriesInvalid(f"line {line}: total {total:g} is below value {value:g}")
        rows.append((t, value, total))
    if not rows:
        raise SeriesInvalid("the series has no rows")
    return rows


def _number(text: str, line: int, name: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise SeriesInvalid(f"line {line}: {name} {text!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise SeriesInvalid(f"line {line}: {name} must be a finite number >= 0, not {text!r}")
    return number


def regular_points(
    points: Iterable[Point], interval_minutes: float | None, needs_total: bool
) -> tuple[list[Row], float]:
    """The points on a regular grid, gaps filled with zeros, and the interval in minutes (the
    smallest step when not given). Raises SeriesIrregular when a step is off the grid."""
    rows: list[Row] = [(p[0], float(p[1]), p[2] if len(p) > 2 else None) for p in points]
    if not rows:
        raise SeriesInvalid("the series has no rows")
    for t, _value, total in rows:
        if t.tzinfo is None:
            raise SeriesInvalid(f"timestamp {t.isoformat()} has no time zone")
        if needs_total and total is None:
            raise SeriesInvalid("a share series needs a total for every row")
    for (a, *_), (b, *_) in pairwise(rows):
        if b <= a:
            raise SeriesInvalid(
                f"timestamps must increase: {b.isoformat()} follows {a.isoformat()}"
            )
    steps = [b[0] - a[0] for a, b in pairwise(rows)]
    if interval_minutes is not None:
        interval = timedelta(minutes=interval_minutes)
    elif steps:
        interval = min(steps)
    else:
        raise SeriesInvalid("one row is not enough to infer the interval; set interval_minutes")
    filled: list[Row] = [rows[0]]
    for (a, *_), row in pairwise(rows):
        n = (row[0] - a) / interval
        if n != int(n):
            raise SeriesIrregular(
                f"irregular interval: {a.isoformat()} to {row[0].isoformat()} is "
                f"{(row[0] - a).total_seconds() / 60:g} minutes, not a multiple of the "
                f"{interval.total_seconds() / 60:g}-minute interval"
            )
        for k in range(1, int(n)):
            filled.append((a + k * interval, 0.0, 0.0 if needs_total else None))
        filled.append(row)
    return filled, interval.total_seconds() / 60
