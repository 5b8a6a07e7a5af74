"""Availability windows: parse, format and check (pure; no Django).

Text form (forms, CSV, vCard note): "24/7", or windows separated by ";" such as
"mon-fri 08:00-18:00; sat 10:00-14:00". A window whose end is not after its start runs past
midnight ("mon-fri 22:00-06:00" is each of those evenings until the next morning).
Stored form: a list of {"days": [0..6], "start": "HH:MM", "end": "HH:MM"}; empty means 24/7.
"""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from contacts.problems import TextProblem, gettext_noop

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALWAYS = "24/7"
_WINDOW = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


class AvailabilityInvalid(TextProblem):
    pass


def _day(name: str) -> int:
    try:
        return DAYS.index(name.strip())
    except ValueError:
        raise AvailabilityInvalid(
            gettext_noop("Unknown day “%(day)s” (use %(days)s)."),
            day=name.strip(),
            days=", ".join(DAYS),
        ) from None


def _clock(value: str) -> str:
    hours, minutes = (int(part) for part in value.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes <= 59) or (hours == 24 and minutes):
        raise AvailabilityInvalid(
            gettext_noop("Bad time “%(time)s” (use 00:00 to 24:00)."), time=value
        )
    return f"{hours:02d}:{minutes:02d}"


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            first, last = (_day(p) for p in part.split("-"))
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            days.extend(span)
        else:
            days.append(_day(part))
    return sorted(set(days))


def availability_parse(text: str) -> list[dict]:
    """Parse the text form; raises AvailabilityInvalid with the reason."""
    text = (text or "").strip().lower()
    if not text or text in (ALWAYS, "24x7", "always"):
        return []
    windows = []
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        match = _WINDOW.match(chunk)
        if not match:
            raise AvailabilityInvalid(
                gettext_noop("Cannot read “%(text)s” (example: mon-fri 08:00-18:00)."), text=chunk
            )
        start, end = _clock(match["start"]), _clock(match["end"])
        if start == end:
            raise AvailabilityInvalid(
                gettext_noop("Empty window “%(text)s”: it ends when it starts."), text=chunk
            )
        windows.append({"days": _days(match["days"]), "start": start, "end": end})
    return windows


def _days_text(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}" for r in runs)


def availability_format(windows: list[dict]) -> str:
    """The text form of stored windows ("24/7" when empty)."""
    if not windows:
        return ALWAYS
    return "; ".join(f"{_days_text(w['days'])} {w['start']}-{w['end']}" for w in windows)


def _minutes(clock: str) -> int:
    hours, minutes = (int(p) for p in clock.split(":"))
    return hours * 60 + minutes


def availability_is_open(windows: list[dict], *, tz: str, at: datetime) -> bool:
    """True if `at` (aware) falls inside one of the windows in time zone `tz` (24/7 if none)."""
    if not windows:
        return True
    local = at.astimezone(ZoneInfo(tz))
    for window in windows:
        start, end = _minutes(window["start"]), _minutes(window["end"])
        for back in (0, 1):  # a window that runs past midnight started the day before
            day = local - timedelta(days=back)
            if day.weekday() not in window["days"]:
                continue
            begin = datetime.combine(day.date(), time(), tzinfo=local.tzinfo) + timedelta(
                minutes=start
            )
            length = end - start if end > start else end + 24 * 60 - start
            if begin <= local < begin + timedelta(minutes=length):
                return True
    return False
