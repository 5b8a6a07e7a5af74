"""The suite's parallel processes keep out of each other's way on one Redis: each takes its own
database (tests/xdist_services.py), and the channel layer's pub/sub names carry the database
number, since Redis pub/sub ignores databases (crisiscenter/settings_parts/channels.py)."""

import asyncio
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from crisiscenter.settings_parts.channels import channel_layers
from tests.xdist_services import _worker_redis_url


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://:secret@cache:6379/3?timeout=5", "gw1", "redis://:secret@cache:6379/5?timeout=5"),
        ("redis://127.0.0.1:6379/15", "gw0", "redis://127.0.0.1:6379/0"),  # Redis has 16
    ],
)
def test_each_worker_takes_the_redis_database_after_the_urls_own(url, worker, expected):
    assert _worker_redis_url(url, worker) == expected


def _on_database(url: str, database: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _layer(redis_url: str) -> RedisPubSubChannelLayer:
    return RedisPubSubChannelLayer(**channel_layers(redis_url)["default"]["CONFIG"])


async def _heard(sender: RedisPubSubChannelLayer, listener: RedisPubSubChannelLayer) -> bool:
    group = f"workspace-{uuid.uuid4().hex}"
    channel = await listener.new_channel()
    await listener.group_add(group, channel)
    try:
        await sender.group_send(group, {"type": "probe", "text": "hello"})
        try:
            message = await asyncio.wait_for(listener.receive(channel), timeout=1.0)
        except TimeoutError:
            return False
        return message["text"] == "hello"
    finally:
        await listener.group_discard(group, channel)
        await sender.flush()
        await listener.flush()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL), as `make test` has")
def test_channel_layers_on_two_redis_databases_do_not_hear_each_others_groups():
    async def scenario() -> tuple[bool, bool]:
        ten, eleven = _on_database(settings.REDIS_URL, 10), _on_database(settings.REDIS_URL, 11)
        apart = await _heard(_layer(ten), _layer(eleven))
        together = await _heard(_layer(ten), _layer(ten))
        return apart, together

    apart, together = asyncio.run(scenario())
    assert together  # the probe works: one database hears itself
    assert not apart
