"""/api/playbooks/: members read; admins create, replace (nested steps and tasks) and
delete; POST /api/playbooks/install-defaults/ installs the shipped ones (admins)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from playbooks import selectors, services
from playbooks.models import OwnerRole, Playbook, PlaybookStep, PlaybookTask, Scenario
from workspaces.api_permissions import (
    ADMIN,
    WorkspaceFilterSerializer,
    workspace_for_write,
    workspace_param,
)
from workspaces.selectors import membership_require_role


class TaskSerializer(serializers.ModelSerializer):
    owner_role = serializers.ChoiceField(choices=OwnerRole.choices)
    due_offset_minutes = serializers.IntegerField(
        min_value=0, max_value=services.MAX_OFFSET_MINUTES
    )
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, max_length=50
    )

    class Meta:
        model = PlaybookTask
        fields = ["title", "owner_role", "due_offset_minutes", "checklist"]


class StepSerializer(serializers.ModelSerializer):
    tasks = TaskSerializer(many=True, required=False, default=list)
    description = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = PlaybookStep
        fields = ["title", "description", "tasks"]


class PlaybookSerializer(serializers.ModelSerializer):
    workspace = serializers.SlugField(source="workspace.slug", read_only=True)
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    language = serializers.ChoiceField(choices=Playbook.Language.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    steps = StepSerializer(many=True, min_length=1, max_length=30)

    class Meta:
        model = Playbook
        fields = [
            "id", "workspace", "scenario", "language", "title", "description", "steps",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "updated_at"]
        validators = []  # uniqueness is the service's (409 with a clear message)


class PlaybookCreateSerializer(PlaybookSerializer):
    workspace = serializers.SlugField(write_only=True)


class InstallSerializer(serializers.Serializer):
    workspace = serializers.SlugField()


def _data(values: dict) -> services.PlaybookData:
    return services.PlaybookData(
        scenario=values["scenario"],
        language=values["language"],
        title=values["title"],
        description=values.get("description", ""),
        steps=[dict(step, tasks=[dict(t) for t in step["tasks"]]) for step in values["steps"]],
    )


@extend_schema(parameters=[WorkspaceFilterSerializer])
class PlaybookViewSet(viewsets.ModelViewSet):
    serializer_class = PlaybookSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.playbook_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )

    def _playbook(self) -> Playbook:
        playbook = selectors.playbook_get(user=self.request.user, playbook_id=self.kwargs["pk"])
        membership_require_role(user=self.request.user, workspace=playbook.workspace, roles=ADMIN)
        return playbook

    def _out(self, playbook: Playbook, status: int = 200) -> Response:
        fresh = selectors.playbook_get(user=self.request.user, playbook_id=playbook.pk)
        return Response(PlaybookSerializer(fresh).data, status=status)

    @extend_schema(request=PlaybookCreateSerializer, responses=PlaybookSerializer)
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = PlaybookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = workspace_for_write(user=request.user, slug=data.validated_data["workspace"])
        playbook = services.playbook_save(workspace=workspace, data=_data(data.validated_data))
        return self._out(playbook, status=201)

    def update(self, request: Request, *args, **kwargs) -> Response:
        playbook = self._playbook()
        partial = kwargs.get("partial", False)
        data = PlaybookSerializer(playbook, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {**PlaybookSerializer(playbook).data, **data.validated_data}
        playbook = services.playbook_save(
            workspace=playbook.workspace, data=_data(values), playbook=playbook
        )
        return self._out(playbook)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.playbook_delete(playbook=self._playbook())
        return Response(status=204)

    @extend_schema(request=InstallSerializer, responses=PlaybookSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="install-defaults")
    def install_defaults(self, request: Request) -> Response:
        data = InstallSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = workspace_for_write(user=request.user, slug=data.validated_data["workspace"])
        installed = services.playbooks_install_defaults(workspace=workspace)
        return Response({"installed": [p.pk for p in installed]}, status=201 if installed else 200)
