"""realtime.hub: one subscription per process and workspace, every local viewer served."""

import asyncio

import pytest

from crisiscenter.asgi import application
from realtime import events
from realtime.hub import hub
from realtime.publisher import drain, publish_on_commit
from tests.factories import MentionFactory
from tests.realtime.test_consumers import _communicator, _headers_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_viewer_gets_each_message_once_and_the_relay_stops_with_the_last(
    make_workspace, make_member
):
    ws = make_workspace(slug="alpha")
    headers = [_headers_for(make_member(ws)) for _ in range(3)]
    mention = MentionFactory(workspace=ws)
    batch = events.MentionBatch(workspace_id=ws.pk, mentions=[events.mention_item(mention)])
    assert application  # the real ASGI app behind _communicator

    async def publish() -> None:
        from asgiref.sync import sync_to_async

        await sync_to_async(publish_on_commit)(workspace_id=ws.pk, event=batch)
        await sync_to_async(drain)()

    async def scenario():
        viewers = [_communicator(h, "alpha") for h in headers]
        for viewer in viewers:
            assert (await viewer.connect())[0]
        assert len(hub()._viewers[ws.pk]) == 3
        assert len(hub()._relays) == 1  # one subscription for three sockets
        await publish()
        seqs = [(await v.receive_json_from(timeout=5))["seq"] for v in viewers]
        assert len(set(seqs)) == 1
        for viewer in viewers:
            assert await viewer.receive_nothing(timeout=0.3)  # once, not once per viewer
        await viewers[0].disconnect()
        await publish()
        for viewer in viewers[1:]:
            assert (await viewer.receive_json_from(timeout=5))["seq"] == seqs[0] + 1
        for viewer in viewers[1:]:
            await viewer.disconnect()
        await asyncio.sleep(0)
        assert ws.pk not in hub()._viewers
        assert ws.pk not in hub()._relays

    asyncio.run(scenario())
