"""Admin-edited configuration over the API: sources, watch terms and alert rules.

Members of a workspace read; only its admins create, change and delete. Credentials are
write-only: the API says which keys are set, never their values.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from monitoring import selectors, services
from monitoring.credentials import credentials_decrypt
from monitoring.models import AlertRule, Platform, Source, WatchTerm
from monitoring.rule_params import rule_params_validate
from workspaces.api_permissions import workspace_for_write


class WorkspaceFilterSerializer(serializers.Serializer):
    workspace = serializers.SlugField(required=False)


class SourceOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    credential_keys = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id", "workspace", "name", "platform", "settings", "poll_interval_seconds",
            "is_enabled", "health", "last_polled_at", "last_success_at", "last_error_at",
            "last_error", "last_item_count", "consecutive_failures", "rate_limit",
            "credential_keys", "created_at",
        ]  # fmt: skip

    def get_credential_keys(self, obj: Source) -> list[str]:
        return sorted(credentials_decrypt(obj.credentials_encrypted))


class SourceInputSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    name = serializers.CharField(max_length=200)
    platform = serializers.ChoiceField(
        choices=[c for c in Platform.choices if c[0] not in ("import",)]
    )
    settings = serializers.DictField(required=False, default=dict)
    poll_interval_seconds = serializers.IntegerField(min_value=5, max_value=86400, default=60)
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000),
        required=False,
        write_only=True,
    )


class SourceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    settings = serializers.DictField(required=False)
    poll_interval_seconds = serializers.IntegerField(min_value=5, max_value=86400, required=False)
    is_enabled = serializers.BooleanField(required=False)
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000), required=False
    )


@extend_schema(parameters=[WorkspaceFilterSerializer])
class SourceViewSet(viewsets.ModelViewSet):
    serializer_class = SourceOutputSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        params = WorkspaceFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.source_list(
            user=self.request.user, workspace=params.validated_data.get("workspace")
        )

    @extend_schema(request=SourceInputSerializer, responses=SourceOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = SourceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(user=request.user, slug=values.pop("workspace"))
        source = services.source_create(
            workspace_id=workspace.pk,
            name=values["name"],
            platform=values["platform"],
            settings=values["settings"],
            interval=values["poll_interval_seconds"],
            credentials=values.get("credentials"),
        )
        return Response(SourceOutputSerializer(source).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SourceUpdateSerializer, responses=SourceOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        source = self.get_object()
        workspace_for_write(user=request.user, slug=source.workspace.slug)
        data = SourceUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        credentials = values.pop("credentials", None)
        if values:
            services.source_update(source=source, **values)
        if credentials is not None:
            services.source_credentials_set(source=source, credentials=credentials)
        return Response(SourceOutputSerializer(source).data)

    def destroy(self, request, *args, **kwargs):
        source = self.get_object()
        workspace_for_write(user=request.user, slug=source.workspace.slug)
        services.source_delete(source=source)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WatchTermOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = WatchTerm
        fields = ["id", "workspace", "query", "is_enabled", "created_at"]


class WatchTermInputSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    query = serializers.CharField(max_length=500)


class WatchTermUpdateSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=500, required=False)
    is_enabled = serializers.BooleanField(required=False)


@extend_schema(parameters=[WorkspaceFilterSerializer])
class WatchTermViewSet(viewsets.ModelViewSet):
    serializer_class = WatchTermOutputSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        params = WorkspaceFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.watch_term_list(
            user=self.request.user, workspace=params.validated_data.get("workspace")
        )

    @extend_schema(request=WatchTermInputSerializer, responses=WatchTermOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = WatchTermInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = workspace_for_write(user=request.user, slug=data.validated_data["workspace"])
        term = services.watch_term_create(
            workspace_id=workspace.pk, query=data.validated_data["query"]
        )
        return Response(WatchTermOutputSerializer(term).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WatchTermUpdateSerializer, responses=WatchTermOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        term = self.get_object()
        workspace_for_write(user=request.user, slug=term.workspace.slug)
        data = WatchTermUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        term = services.watch_term_update(term=term, **data.validated_data)
        return Response(WatchTermOutputSerializer(term).data)

    def destroy(self, request, *args, **kwargs):
        term = self.get_object()
        workspace_for_write(user=request.user, slug=term.workspace.slug)
        services.watch_term_delete(term=term)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertRuleOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AlertRule
        fields = [
            "id", "workspace", "name", "kind", "params", "cooldown_minutes", "is_enabled",
            "last_fired_at",
        ]  # fmt: skip


class AlertRuleInputSerializer(serializers.Serializer):
    workspace = serializers.SlugField()
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AlertRule.Kind.choices)
    params = serializers.DictField(required=False, default=dict)
    cooldown_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, default=10)

    def validate_params(self, params: dict) -> dict:
        return validate_rule_params(params)


def validate_rule_params(params: dict) -> dict:
    try:
        return rule_params_validate(params)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


class AlertRuleUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    params = serializers.DictField(required=False)
    cooldown_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, required=False)
    is_enabled = serializers.BooleanField(required=False)

    def validate_params(self, params: dict) -> dict:
        return validate_rule_params(params)


@extend_schema(parameters=[WorkspaceFilterSerializer])
class AlertRuleViewSet(viewsets.ModelViewSet):
    serializer_class = AlertRuleOutputSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        params = WorkspaceFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.alert_rule_list(
            user=self.request.user, workspace=params.validated_data.get("workspace")
        )

    @extend_schema(request=AlertRuleInputSerializer, responses=AlertRuleOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = AlertRuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(user=request.user, slug=values.pop("workspace"))
        rule = services.alert_rule_create(workspace_id=workspace.pk, **values)
        return Response(AlertRuleOutputSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AlertRuleUpdateSerializer, responses=AlertRuleOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        workspace_for_write(user=request.user, slug=rule.workspace.slug)
        data = AlertRuleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.alert_rule_update(rule=rule, **data.validated_data)
        return Response(AlertRuleOutputSerializer(rule).data)

    def destroy(self, request, *args, **kwargs):
        rule = self.get_object()
        workspace_for_write(user=request.user, slug=rule.workspace.slug)
        services.alert_rule_delete(rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)
