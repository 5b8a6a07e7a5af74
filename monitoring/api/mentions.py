"""REST API for mentions and alerts (read-only here; ingest happens in tasks)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring import selectors
from monitoring.models import Alert, Mention, Platform
from monitoring.selectors_dashboard import (
    CHART_RANGES,
    chart_range_since,
    mention_top,
    mention_volume,
)
from monitoring.severity import author_reach
from workspaces.api_permissions import WorkspaceFilterSerializer, workspace_param
from workspaces.selectors import workspace_get_for_user


class MentionFilterSerializer(serializers.Serializer):
    workspace = serializers.SlugField(required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    sentiment_min = serializers.FloatField(required=False, min_value=-1.0, max_value=1.0)
    sentiment_max = serializers.FloatField(required=False, min_value=-1.0, max_value=1.0)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    text = serializers.CharField(
        required=False, max_length=200, help_text="In the text or the author's handle."
    )
    language = serializers.CharField(
        required=False, max_length=10, help_text="A language code; und: none detected."
    )
    ids = serializers.RegexField(
        r"^\d+(,\d+){0,199}$",
        required=False,
        error_messages={"invalid": "ids: up to 200 comma-separated mention ids."},
    )
    min_followers = serializers.IntegerField(required=False, min_value=0)
    sentiment = serializers.ChoiceField(
        choices=["negative", "neutral", "positive"],
        required=False,
        help_text="A label: negative (compound <= -0.05), neutral, positive (>= 0.05).",
    )
    term = serializers.IntegerField(
        required=False, min_value=1, help_text="A watch term's id: mentions that matched it."
    )

    def validate(self, attrs: dict) -> dict:
        lo, hi = attrs.get("sentiment_min"), attrs.get("sentiment_max")
        if lo is not None and hi is not None and lo > hi:
            raise serializers.ValidationError("sentiment_min must not exceed sentiment_max.")
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError("since must be before until.")
        return attrs


class MentionOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.CharField(source="author_handle")
    author_reach = serializers.SerializerMethodField()
    sentiment = serializers.SerializerMethodField()

    class Meta:
        model = Mention
        fields = [
            "id", "workspace", "platform", "external_id", "url", "author", "author_name",
            "author_followers", "author_reach", "text", "language", "posted_at", "fetched_at",
            "sentiment", "likes", "reposts", "replies", "quotes", "views", "matched_terms",
            "hashtags",
        ]  # fmt: skip

    def get_author_reach(self, obj: Mention) -> int:
        """Followers, at least OUTLET_MIN_REACH for a news outlet (what min_followers filters)."""
        return author_reach(obj.author_followers, obj.author_is_outlet)

    def get_sentiment(self, obj: Mention) -> dict:
        return {
            "compound": obj.sentiment_compound,
            "pos": obj.sentiment_pos,
            "neu": obj.sentiment_neu,
            "neg": obj.sentiment_neg,
            "label": obj.sentiment_label,
            "scorer": obj.sentiment_scorer,
        }


class RangeQuerySerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    range = serializers.ChoiceField(
        choices=list(CHART_RANGES),
        default="1h",
        error_messages={"invalid_choice": _("range: one of 1h, 24h, 7d.")},
    )


@extend_schema(parameters=[MentionFilterSerializer])
class MentionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MentionOutputSerializer

    def get_queryset(self):
        if self.action == "list":
            params = MentionFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            values = dict(params.validated_data)
            if "ids" in values:
                values["ids"] = [int(pk) for pk in values["ids"].split(",")]
            filters = selectors.MentionFilters(**values)
        else:
            filters = selectors.MentionFilters()
        return selectors.mention_list(user=self.request.user, filters=filters)

    def _range_params(self, request: Request):
        params = RangeQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        workspace = workspace_get_for_user(
            user=request.user, slug=params.validated_data["workspace"]
        )
        chart_range = CHART_RANGES[params.validated_data["range"]]
        return workspace, chart_range, chart_range_since(chart_range=chart_range)

    @extend_schema(parameters=[RangeQuerySerializer], responses={200: dict})
    @action(detail=False, methods=["get"])
    def volume(self, request: Request) -> Response:
        """Mentions per bucket (1 min / 15 min / 1 h for 1h / 24h / 7d) and platform, with the
        negative count and summed sentiment."""
        workspace, chart_range, since = self._range_params(request)
        rows = mention_volume(workspace=workspace, chart_range=chart_range, since=since)
        return Response(
            {
                "workspace": workspace.slug,
                "range": chart_range.code,
                "bucket_seconds": chart_range.bucket_seconds,
                "since": since.isoformat(),
                "series": rows,
            }
        )

    @extend_schema(parameters=[RangeQuerySerializer], responses={200: dict})
    @action(detail=False, methods=["get"])
    def top(self, request: Request) -> Response:
        """Top hashtags, watch terms, words and authors by reach over the range."""
        workspace, chart_range, since = self._range_params(request)
        body = mention_top(workspace=workspace, since=since)
        return Response(
            {"workspace": workspace.slug, "range": chart_range.code, "since": since.isoformat()}
            | body
        )


class AlertOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    rule = serializers.CharField(source="rule_kind")

    class Meta:
        model = Alert
        fields = [
            "id", "workspace", "rule", "title", "explanation", "severity", "status",
            "details", "mention_ids", "created_at", "occurrences", "last_seen_at",
            "triaged_at",
        ]  # fmt: skip


@extend_schema(parameters=[WorkspaceFilterSerializer])
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertOutputSerializer

    def get_queryset(self):
        return selectors.alert_list(user=self.request.user, workspace=workspace_param(self.request))
