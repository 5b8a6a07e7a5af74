"""The one rule for how long a tier waits for an acknowledgement, shared by the protocol form,
the API and the service, so all three accept the same waits with the same message.

Whole seconds, from 1 second to 7 days. The scheduler checks deadlines every 10 s, so a wait
shorter than that lasts until the next tick.
"""

import math

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

WAIT_MIN_SECONDS = 1
WAIT_MAX_SECONDS = 7 * 24 * 60 * 60  # 10080 minutes
WAIT_INVALID = _("The wait must be whole seconds from 1 second to 7 days (10080 minutes).")


class WaitInvalid(ValueError):
    pass


def wait_seconds_valid(seconds: object) -> bool:
    """True for an int number of seconds within the bounds (what a tier stores)."""
    return (
        isinstance(seconds, int)
        and not isinstance(seconds, bool)
        and WAIT_MIN_SECONDS <= seconds <= WAIT_MAX_SECONDS
    )


def wait_seconds_from_minutes(minutes: float) -> int:
    """Minutes as typed (0.5 = 30 s) to whole seconds; raises WaitInvalid outside the rule
    (not a whole second, under 1 s, over 7 days, not finite)."""
    seconds = float(minutes) * 60
    if not math.isfinite(seconds) or abs(seconds - round(seconds)) > 1e-6:
        raise WaitInvalid(str(WAIT_INVALID))
    whole = round(seconds)
    if not wait_seconds_valid(whole):
        raise WaitInvalid(str(WAIT_INVALID))
    return whole


def wait_text(seconds: int) -> str:
    """A wait for people: "10 minutes", or "90 seconds" when not whole minutes."""
    if seconds % 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
