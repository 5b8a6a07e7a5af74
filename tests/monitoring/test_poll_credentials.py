"""A failed poll's error text never holds a credential of its source: not in `last_error`
(shown to every member), not in what the poll raises, not in the logs.

Sources here hold credentials stored before values with line breaks were refused on save;
platforms answer (or refuse to be asked) at the HTTP boundary (`responses`)."""

import logging
import re
import traceback

import pytest
import responses

from monitoring.models import Source
from monitoring.platforms.base import PlatformUnavailable
from monitoring.services import PollFailed, source_poll
from monitoring.tasks import poll_source
from tests.factories import searching_source

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN_HEAD, TOKEN_TAIL = "AAAAhead0123456789secret", "SDSJtail9876543210secret"


def _assert_no_secret(*shown: str) -> None:
    for text in shown:
        assert TOKEN_HEAD not in text
        assert TOKEN_TAIL not in text


@responses.activate
def test_a_bearer_token_with_a_line_break_is_in_no_error_text_of_the_poll(caplog):
    # requests refuses the header before sending it and quotes it (InvalidHeader).
    source = searching_source("x", {}, {"bearer_token": f"{TOKEN_HEAD}\n{TOKEN_TAIL}"})
    # A worker at LOG_LEVEL=DEBUG: tweepy's own DEBUG line shows every request's headers, the
    # token too; the logging settings keep tweepy at INFO whatever the root's level.
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PlatformUnavailable) as raised:
        source_poll(source=source)
    source.refresh_from_db()
    assert source.health == Source.Health.LAGGING
    assert source.last_error.startswith("PlatformUnavailable: x: InvalidHeader")
    assert "***" in source.last_error
    _assert_no_secret(
        source.last_error,
        str(raised.value),
        "".join(traceback.format_exception(raised.value)),
        caplog.text,
    )


@responses.activate
def test_the_poll_task_masks_a_token_the_platform_echoes(caplog):
    # A platform that quotes the token it refused: the task raises and logs the masked text.
    instance = "https://mastodon.example"
    token = f"{TOKEN_HEAD}{TOKEN_TAIL}"
    source = searching_source(
        "mastodon", {"instance": instance, "hashtags": ["banknoord"]}, {"access_token": token}
    )
    body = f'{{"error": "The access token {token} is invalid"}}'
    responses.add("GET", re.compile(rf"{re.escape(instance)}/"), status=401, body=body)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PollFailed) as raised:
        poll_source.apply(args=[source.pk])
    source.refresh_from_db()
    assert "The access token *** is invalid" in source.last_error
    assert str(raised.value) == source.last_error
    _assert_no_secret(
        source.last_error,
        "".join(traceback.format_exception(raised.value)),
        caplog.text,
    )
