"""Admin-edited configuration over the API: sources, watch terms and alert rules.

Members of a workspace read; only its admins create, change and delete. Credentials are
write-only: the API says which keys are set, never their values.
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from monitoring import selectors, services
from monitoring.models import AlertRule, Platform, Source, WatchTerm
from monitoring.platforms.text import url_secrets_masked
from monitoring.rule_params import rule_params_validate
from workspaces.api_permissions import (
    WorkspaceFilterSerializer,
    workspace_for_write,
    workspace_param,
)
from workspaces.models import Membership
from workspaces.selectors import workspace_ids_with_role


class AdminConfigViewSet(viewsets.ModelViewSet):
    """CRUD of admin-edited configuration: members of a workspace read, its admins write.

    Subclasses name a scoped `selector`, the serializers, and the services in `create_object`,
    `update_object` and `delete_object`.
    """

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    selector: Any = None
    input_serializer: type[serializers.Serializer]
    update_serializer: type[serializers.Serializer]

    def get_queryset(self):
        return type(self).selector(user=self.request.user, workspace=workspace_param(self.request))

    def create_object(self, workspace_id: int, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_object(self, obj: Any, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def delete_object(self, obj: Any) -> None:
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(user=request.user, slug=values.pop("workspace"))
        obj = self.create_object(workspace.pk, values)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        workspace_for_write(user=request.user, slug=obj.workspace.slug)
        data = self.update_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = self.update_object(obj, dict(data.validated_data))
        return Response(self.get_serializer(obj).data)

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        workspace_for_write(user=request.user, slug=obj.workspace.slug)
        self.delete_object(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _masked(value: Any) -> Any:
    """Settings with every text passed through url_secrets_masked."""
    if isinstance(value, str):
        return url_secrets_masked(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


class SourceOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    settings = serializers.SerializerMethodField()
    credential_keys = serializers.SerializerMethodField()
    credentials_readable = serializers.SerializerMethodField()
    rate_limited_until = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Source
        fields = [
            "id", "workspace", "name", "platform", "settings", "poll_interval_seconds",
            "is_enabled", "health", "last_polled_at", "last_success_at", "last_error_at",
            "last_error", "last_item_count", "consecutive_failures", "rate_limit",
            "rate_limited_until", "quota",
            "credential_keys", "credentials_readable", "created_at",
        ]  # fmt: skip

    def get_settings(self, obj: Source) -> dict[str, Any]:
        """As stored for the workspace's admins, who edit them (the view names their
        workspaces); for other members with what looks like a secret in a URL masked (a
        private feed's token)."""
        if obj.workspace_id in self.context.get("admin_workspace_ids", ()):
            return obj.settings
        return _masked(obj.settings)

    def get_credential_keys(self, obj: Source) -> list[str]:
        """The names of the stored secrets, never their values ([] when unreadable)."""
        return self._stored_keys(obj) or []

    def get_credentials_readable(self, obj: Source) -> bool:
        """False after a key change: the client must say so, not show "none stored"."""
        return self._stored_keys(obj) is not None

    def _stored_keys(self, obj: Source) -> list[str] | None:
        # Decrypted once per source for both fields (one serializer serves one response).
        decrypted = self.__dict__.setdefault("_decrypted", {})
        if obj.pk not in decrypted:
            decrypted[obj.pk] = selectors.source_credential_keys(source=obj)
        return decrypted[obj.pk]


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
@extend_schema_view(
    create=extend_schema(request=SourceInputSerializer),
    partial_update=extend_schema(request=SourceUpdateSerializer),
)
class SourceViewSet(AdminConfigViewSet):
    serializer_class = SourceOutputSerializer
    selector = selectors.source_list
    input_serializer = SourceInputSerializer
    update_serializer = SourceUpdateSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        admin_of = workspace_ids_with_role(user=self.request.user, role=Membership.Role.ADMIN)
        return {**super().get_serializer_context(), "admin_workspace_ids": admin_of}

    def create_object(self, workspace_id: int, values: dict[str, Any]) -> Source:
        return services.source_create(
            workspace_id=workspace_id,
            name=values["name"],
            platform=values["platform"],
            settings=values["settings"],
            interval=values["poll_interval_seconds"],
            credentials=values.get("credentials"),
        )

    def update_object(self, obj: Source, values: dict[str, Any]) -> Source:
        return services.source_update(source=obj, **values)

    def delete_object(self, obj: Source) -> None:
        services.source_delete(source=obj)


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
@extend_schema_view(
    create=extend_schema(request=WatchTermInputSerializer),
    partial_update=extend_schema(request=WatchTermUpdateSerializer),
)
class WatchTermViewSet(AdminConfigViewSet):
    serializer_class = WatchTermOutputSerializer
    selector = selectors.watch_term_list
    input_serializer = WatchTermInputSerializer
    update_serializer = WatchTermUpdateSerializer

    def create_object(self, workspace_id: int, values: dict[str, Any]) -> WatchTerm:
        return services.watch_term_create(workspace_id=workspace_id, query=values["query"])

    def update_object(self, obj: WatchTerm, values: dict[str, Any]) -> WatchTerm:
        return services.watch_term_update(term=obj, **values)

    def delete_object(self, obj: WatchTerm) -> None:
        services.watch_term_delete(term=obj)


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
@extend_schema_view(
    create=extend_schema(request=AlertRuleInputSerializer),
    partial_update=extend_schema(request=AlertRuleUpdateSerializer),
)
class AlertRuleViewSet(AdminConfigViewSet):
    serializer_class = AlertRuleOutputSerializer
    selector = selectors.alert_rule_list
    input_serializer = AlertRuleInputSerializer
    update_serializer = AlertRuleUpdateSerializer

    def create_object(self, workspace_id: int, values: dict[str, Any]) -> AlertRule:
        return services.alert_rule_create(workspace_id=workspace_id, **values)

    def update_object(self, obj: AlertRule, values: dict[str, Any]) -> AlertRule:
        return services.alert_rule_update(rule=obj, **values)

    def delete_object(self, obj: AlertRule) -> None:
        services.alert_rule_delete(rule=obj)
