"""The body limit in front of Django (crisiscenter/body_limit.py), driven through the real ASGI
application with the messages a server such as uvicorn sends."""

import asyncio
import json

import pytest

from crisiscenter.asgi import application
from monitoring.services.imports import SIGNATURE_HEADER
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 4096


def _request(path: str, body_chunks, *, headers: list[tuple[bytes, bytes]]) -> tuple[list, int]:
    """Run one HTTP request; (messages sent back, body messages the app took)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent: list[dict] = []
    taken = 0
    finite = isinstance(body_chunks, list)
    chunks = iter(body_chunks)

    async def receive() -> dict:
        nonlocal taken
        chunk = next(chunks, None)
        if chunk is None:
            await asyncio.sleep(3600)  # the client sends nothing more (the app must not wait)
        taken += 1
        more = not finite or taken < len(body_chunks)
        return {"type": "http.request", "body": chunk, "more_body": more}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(application(scope, receive, send), timeout=20))
    return sent, taken


def _status_and_body(sent: list[dict]) -> tuple[int, dict]:
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent  # one answer, never a second one after the 413
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], json.loads(body)


def _endless():
    while True:
        yield b"x" * CHUNK


def test_a_webhook_body_declared_too_large_is_refused_before_any_of_it_is_read(settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 20_000
    source = SourceFactory(platform="webhook")
    sent, taken = _request(
        f"/api/ingest/{source.pk}/",
        _endless(),
        headers=[(b"content-length", b"20001"), (b"accept-language", b"en")],
    )
    assert taken == 0
    assert _status_and_body(sent) == (
        413,
        {"detail": "Body larger than 19.5\xa0KB; send the mentions in smaller requests."},
    )


def test_a_webhook_body_sent_without_a_length_is_cut_off_just_past_the_limit(settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 20_000
    source = SourceFactory(platform="webhook")
    sent, taken = _request(
        f"/api/ingest/{source.pk}/", _endless(), headers=[(b"accept-language", b"nl")]
    )
    assert taken == 20_000 // CHUNK + 1  # not one chunk more than it took to pass the limit
    status, body = _status_and_body(sent)
    assert status == 413
    assert body["detail"].startswith("De inhoud is groter dan 19,5")


def test_a_body_under_the_limit_reaches_the_webhook_view(settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 20_000
    source = SourceFactory(platform="webhook")
    body = json.dumps({"mentions": []}).encode()
    sent, _taken = _request(
        f"/api/ingest/{source.pk}/",
        [body],
        headers=[
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            (SIGNATURE_HEADER.lower().encode(), b"sha256=00"),
        ],
    )
    assert _status_and_body(sent)[0] == 401  # the view checked the signature


def test_other_paths_have_the_general_limit(settings):
    settings.MAX_REQUEST_BODY_BYTES = 50_000
    sent, taken = _request(
        "/api/imports/",
        _endless(),
        headers=[(b"content-length", b"60000"), (b"accept-language", b"en-GB,en;q=0.8")],
    )
    assert taken == 0
    assert _status_and_body(sent) == (413, {"detail": "Request body larger than 48.8\xa0KB."})
