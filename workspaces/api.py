"""REST API for workspaces: members list/read theirs; superusers (operators) create.

Creating a workspace is an entry point, so it composes the apps that ship starter content
(playbooks, statement templates) after `workspace_create`.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.response import Response

from statements.services.templates import workspace_content_install
from workspaces import selectors, services
from workspaces.models import Workspace


class WorkspaceOutputSerializer(serializers.ModelSerializer):
    # Annotated by workspaces.selectors.workspace_list_with_role.
    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Workspace
        fields = ["id", "slug", "name", "created_at", "role"]


class WorkspaceInputSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)


class IsSuperuserForWrites(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user.is_superuser)


class WorkspaceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    permission_classes = [permissions.IsAuthenticated, IsSuperuserForWrites]

    def get_queryset(self):
        return selectors.workspace_list_with_role(user=self.request.user)

    def get_serializer_class(self):
        return WorkspaceInputSerializer if self.action == "create" else WorkspaceOutputSerializer

    @extend_schema(request=WorkspaceInputSerializer, responses=WorkspaceOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = WorkspaceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            workspace = services.workspace_create(**data.validated_data)
            workspace_content_install(workspace=workspace)
        workspace = selectors.workspace_list_with_role(user=request.user).get(pk=workspace.pk)
        out = WorkspaceOutputSerializer(workspace, context={"request": request})
        return Response(out.data, status=201)
