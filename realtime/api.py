"""GET /api/events/: the messages a dashboard missed, by per-workspace sequence number."""

import json

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realtime.replay_log import replay_after
from workspaces.selectors import workspace_get_for_user


class ReplayQuerySerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    after = serializers.IntegerField(required=False, min_value=0)


class EventReplayApi(APIView):
    """`{"seq": latest, "complete": bool, "more": bool, "messages": [{"seq", "events"}]}`.

    Without `after`: only the latest number (a page takes it before its first API read).
    `complete: false`: some messages after `after` are no longer kept; re-read the lists."""

    @extend_schema(parameters=[ReplayQuerySerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        params = ReplayQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        workspace = workspace_get_for_user(
            user=request.user, slug=params.validated_data["workspace"]
        )
        replay = replay_after(workspace_id=workspace.pk, after=params.validated_data.get("after"))
        return Response(
            {
                "workspace": workspace.slug,
                "seq": replay.seq,
                "complete": replay.complete,
                "more": replay.more,
                "messages": [
                    {"seq": seq, "events": json.loads(events)} for seq, events in replay.messages
                ],
            }
        )
