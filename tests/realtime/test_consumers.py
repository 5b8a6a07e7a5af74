"""The dashboard websocket over the real ASGI app and the real Redis channel layer."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from crisiscenter.asgi import application
from realtime import events
from realtime.publisher import drain, publish_on_commit
from tests.factories import AlertFactory, MentionFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Services publish from synchronous code; do the same from these async scenarios.
publish = sync_to_async(publish_on_commit)


def _headers_for(user) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def _communicator(headers: list[tuple[bytes, bytes]], slug: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/workspaces/{slug}/", headers=headers)


def test_dashboard_consumer_member_receives_workspace_events(make_workspace, make_member):
    ws, other = make_workspace(slug="alpha"), make_workspace(slug="beta")
    user = make_member(ws)
    mention = MentionFactory(workspace=ws, text="<img src=x onerror=alert(1)>")
    foreign = MentionFactory(workspace=other)
    headers = _headers_for(user)

    async def scenario():
        communicator = _communicator(headers, "alpha")
        connected, _ = await communicator.connect()
        assert connected
        # An event for another workspace must not arrive; ours must, text untouched.
        await publish(
            workspace_id=other.pk,
            event=events.MentionBatch(
                workspace_id=other.pk, mentions=[events.mention_item(foreign)]
            ),
        )
        await publish(
            workspace_id=ws.pk,
            event=events.MentionBatch(workspace_id=ws.pk, mentions=[events.mention_item(mention)]),
        )
        message = await communicator.receive_json_from(timeout=5)
        assert [e["type"] for e in message["events"]] == ["mention.batch"]
        first_seq = message["seq"]
        assert isinstance(first_seq, int)
        assert message["events"][0]["mentions"][0]["text"] == "<img src=x onerror=alert(1)>"
        assert message["events"][0]["workspace_id"] == ws.pk
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}
        # The next message of this workspace carries the next number: no gap, no repeat.
        await publish(
            workspace_id=ws.pk,
            event=events.MentionBatch(workspace_id=ws.pk, mentions=[events.mention_item(mention)]),
        )
        assert (await communicator.receive_json_from(timeout=5))["seq"] == first_seq + 1
        await communicator.disconnect()

    asyncio.run(scenario())


def test_dashboard_consumer_coalesces_bursts_into_few_messages(make_workspace, make_member):
    ws = make_workspace()
    user = make_member(ws)
    mentions = MentionFactory.create_batch(30, workspace=ws)
    headers = _headers_for(user)

    async def scenario():
        communicator = _communicator(headers, ws.slug)
        assert (await communicator.connect())[0]
        for m in mentions:
            await publish(
                workspace_id=ws.pk,
                event=events.MentionBatch(workspace_id=ws.pk, mentions=[events.mention_item(m)]),
            )
        received = []
        while len(received) < 30:
            message = await communicator.receive_json_from(timeout=5)
            received.extend(m["id"] for e in message["events"] for m in e["mentions"])
        assert sorted(received) == sorted(m.pk for m in mentions)
        await communicator.disconnect()
        return received

    asyncio.run(scenario())
    drain()


@pytest.mark.parametrize("who", ["non_member", "anonymous"])
def test_dashboard_consumer_refuses_other_workspace(make_workspace, make_member, who):
    ws_a = make_workspace(slug="alpha")
    make_workspace(slug="beta")
    headers = _headers_for(make_member(ws_a) if who == "non_member" else None)

    async def scenario():
        communicator = _communicator(headers, "beta")
        connected, _ = await communicator.connect()
        assert not connected

    asyncio.run(scenario())


def test_dashboard_consumer_refuses_foreign_origin(make_workspace, make_member):
    ws = make_workspace(slug="alpha")
    user = make_member(ws)
    headers = [h for h in _headers_for(user) if h[0] != b"origin"]
    headers.append((b"origin", b"https://evil.example"))

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/workspaces/alpha/", headers=headers)
        connected, _ = await communicator.connect()
        assert not connected

    asyncio.run(scenario())


def test_alert_created_event_reaches_member(make_workspace, make_member):
    ws = make_workspace()
    user = make_member(ws)
    alert = AlertFactory(workspace=ws, severity=3, mention_ids=[1, 2])
    event = events.alert_created(alert)
    headers = _headers_for(user)

    async def scenario():
        communicator = _communicator(headers, ws.slug)
        assert (await communicator.connect())[0]
        await publish(workspace_id=ws.pk, event=event)
        message = await communicator.receive_json_from(timeout=5)
        received = message["events"][0]
        assert received["type"] == "alert.created"
        assert received["id"] == alert.pk
        assert received["severity"] == 3
        await communicator.disconnect()

    asyncio.run(scenario())


def test_alert_created_does_not_wait_for_the_coalescing_interval(
    make_workspace, make_member, settings
):
    # An interval far beyond the receive timeout: only an urgent flush can deliver in time.
    settings.REALTIME_FLUSH_INTERVAL = 60
    ws = make_workspace()
    user = make_member(ws)
    first, second = MentionFactory.create_batch(2, workspace=ws)
    alert = AlertFactory(workspace=ws, mention_ids=[second.pk])
    headers = _headers_for(user)

    def batch(mention):
        return events.MentionBatch(workspace_id=ws.pk, mentions=[events.mention_item(mention)])

    async def scenario():
        communicator = _communicator(headers, ws.slug)
        assert (await communicator.connect())[0]
        await publish(workspace_id=ws.pk, event=batch(first))  # leading edge: sent at once
        assert (await communicator.receive_json_from(timeout=5))["events"][0]["mentions"]
        await publish(workspace_id=ws.pk, event=batch(second))  # held for the interval...
        assert await communicator.receive_nothing(timeout=0.5)
        await publish(workspace_id=ws.pk, event=events.alert_created(alert))  # ...until this
        message = await communicator.receive_json_from(timeout=5)
        assert [e["type"] for e in message["events"]] == ["mention.batch", "alert.created"]
        await communicator.disconnect()

    asyncio.run(scenario())
