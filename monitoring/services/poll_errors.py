"""What a failed poll says where people and logs see it: stored on its source (shown to every
member), raised to Celery and logged.

It never holds a credential of the source (requests' InvalidHeader quotes a header with its
token, a platform may echo the token it refused), nor what looks like one in a URL (a private
feed's), nor, of an error that is not the platform's, more than its type (a database error can
quote a post).
"""

import logging
import re
import traceback
from urllib.parse import quote

from monitoring.credentials import CredentialsUnreadable
from monitoring.models import Source
from monitoring.platforms.base import PlatformError
from monitoring.platforms.text import url_secrets_masked
from monitoring.selectors import source_credentials

logger = logging.getLogger(__name__)

# Control characters (line breaks above all) as escapes in a log line: a platform's error text
# must not start a line of its own there.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Shorter parts of a credential are not masked: "***" for every "true" or "nl" in a message
# would hide what went wrong and protect nothing.
MASKED_MIN_LENGTH = 4
ERROR_TEXT_MAX = 2000


def _quoted_forms(value: str) -> set[str]:
    """The forms in which a credential can appear in an error's text: as it is, as Python
    quotes it (a line break as \\n), URL-encoded, and each part between control characters
    (a header value quoted or folded at its line break)."""
    forms = {value, repr(value)[1:-1], quote(value, safe="")}
    forms.update(part for part in _CONTROL.split(value))
    return {form for form in forms if len(form.strip()) >= MASKED_MIN_LENGTH}


def _credential_forms(source: Source) -> list[str]:
    """Every form of the source's stored credentials to mask, longest first."""
    try:
        values = source_credentials(source=source).values()
    except CredentialsUnreadable:
        return []  # nothing readable, so nothing the poll could have sent
    forms = {form for value in values for form in _quoted_forms(value)}
    return sorted(forms, key=len, reverse=True)


def _masked(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, "***")
    return text


def poll_text_masked(text: str, *, source: Source) -> str:
    """`text` with the source's credentials and what looks like one in a URL replaced by ***,
    cut at ERROR_TEXT_MAX characters (after masking: a cut must not leave half a token)."""
    if not text:
        return text
    return url_secrets_masked(_masked(text, _credential_forms(source)))[:ERROR_TEXT_MAX]


def poll_error_text(error: Exception, *, source: Source) -> str:
    """A failed poll's error as stored and shown to members: a platform error's message,
    masked (`poll_text_masked`); of any other error only its type."""
    if not isinstance(error, PlatformError):
        return f"{type(error).__name__}: the poll failed inside CrisisCenter, not at the platform"
    return poll_text_masked(f"{type(error).__name__}: {error}", source=source)


def poll_error_scrub(error: Exception, *, source: Source) -> None:
    """Change `error` in place if its text or that of an error in its chain holds one of the
    source's credentials: its message masked, its chain dropped (the cause quotes the header).
    `source_poll` scrubs what it re-raises, so no caller can log the credential."""
    forms = _credential_forms(source)
    if not any(form in "".join(traceback.format_exception(error)) for form in forms):
        return
    error.args = (_masked(str(error), forms),)
    error.__cause__ = error.__context__ = None
    error.__suppress_context__ = True


class PollFailed(Exception):
    """A failed poll as Celery logs it: the text its source records (`poll_error_text`) with
    line breaks escaped, never the original message, which can hold a feed URL's token or,
    from the database, a post."""


def poll_failure(*, source: Source, error: Exception) -> PollFailed:
    """What the poll task raises instead of `error` (`source_poll` records a failure on the
    source when it can); logs where it failed: file, line and code of each frame, no values."""
    text = poll_error_text(error, source=source)
    where = "".join(traceback.format_tb(error.__traceback__)).rstrip()
    logged = _CONTROL.sub(lambda ch: ascii(ch.group())[1:-1], text)
    logger.error("monitoring.poll_source.failed: source %s: %s\n%s", source.pk, logged, where)
    return PollFailed(logged)
