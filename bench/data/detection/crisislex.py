"""Real crisis onsets from CrisisLex T26 (MIT): per-event tweet times decoded from snowflake ids.

Each `<event>-tweetids_entire_period.csv` lists every tweet the authors' keyword filter collected
during one crisis. A tweet id is a Twitter snowflake:
ms since the epoch = (id >> 22) + 1288834974657
(the `Timestamp` column agrees within a second for all but 23 of 128,460 rows).

Onset of an event: smooth the 10-minute counts (3-bin centred mean) and take the highest bin; the
onset is the first bin of the contiguous run before it whose smoothed count is >= 5 % of that
peak. The storm keeps the tweets from 2 h before the onset to 48 h after it. (Where it starts and
ends as a labelled storm depends on the volume it is injected into: see build_series.py.)
"""

import csv
from dataclasses import dataclass
from pathlib import Path

T26 = Path("/work/shared/data/crisislex-t26")
TWITTER_EPOCH_MS = 1288834974657
BIN_SECONDS = 600
BEFORE, AFTER = 2 * 3600, 48 * 3600


@dataclass(frozen=True)
class Onset:
    event: str
    offsets: list[float]  # tweet times in seconds relative to the onset, from onset - 2 h
    peak_offset: float  # seconds from onset to the busiest 10 minutes


def tweet_seconds(path: Path) -> list[float]:
    """Tweet times (Unix seconds) decoded from the Tweet-ID column of one event file."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    return sorted(((int(r[1].strip().strip('"')) >> 22) + TWITTER_EPOCH_MS) / 1000 for r in rows)


def onset(event: str, times: list[float]) -> Onset:
    t0 = times[0]
    n_bins = int((times[-1] - t0) // BIN_SECONDS) + 1
    counts = [0] * n_bins
    for t in times:
        counts[int((t - t0) // BIN_SECONDS)] += 1
    smooth = [sum(counts[max(0, k - 1) : k + 2]) / 3 for k in range(n_bins)]
    peak = max(range(n_bins), key=smooth.__getitem__)
    start = peak
    while start > 0 and smooth[start - 1] >= 0.05 * smooth[peak]:
        start -= 1
    onset_t = t0 + start * BIN_SECONDS
    offsets = [t - onset_t for t in times if -BEFORE <= t - onset_t < AFTER]
    return Onset(event, offsets, (peak - start) * BIN_SECONDS + BIN_SECONDS / 2)


def load_onsets() -> list[Onset]:
    """Every event with a tweet-id file, sorted by name (Boston's file is missing upstream)."""
    files = sorted(T26.glob("*/*-tweetids_entire_period.csv"))
    return [onset(f.parent.name, tweet_seconds(f)) for f in files]


def peak_hour(o: Onset) -> int:
    """Tweets in the busiest hour of the storm: the scale against which it is injected."""
    times = sorted(o.offsets)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - 3600:
            j += 1
        best = max(best, i - j + 1)
    return best
