"""/api/incidents/ with its actions and nested timeline, claims, tasks and mentions;
/api/response-clock/ (minutes per severity).

Roles: every member reads; crisis team and admins run the incident (create, edit, status,
commander, mentions, tasks, first reaction); communications may also add notes and claims
(they gather the facts their statements rest on). Non-members get 404 everywhere.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from escalation.services import escalation_runs_follow_incident
from incidents import selectors, services
from incidents.api import serializers as s
from incidents.api.report import MarkdownRenderer, evaluation_markdown, numbers_in_words
from incidents.exceptions import IncidentNotFound
from incidents.models import RUN_ROLES, Incident
from workspaces.api_permissions import (
    WorkspaceFilterSerializer,
    workspace_for_write,
    workspace_param,
)
from workspaces.models import Membership
from workspaces.selectors import (
    membership_require_role,
    membership_role_get,
    workspace_get_for_user,
)

R = Membership.Role
# Communications may also add notes and claims: the facts their statements rest on.
FACT_ROLES = (*RUN_ROLES, R.COMMUNICATIONS)


def _valid(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(parameters=[WorkspaceFilterSerializer])
class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    serializer_class = s.IncidentOutputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.incident_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )

    def _incident(self, *, roles: tuple[str, ...] | None = None) -> Incident:
        incident = selectors.incident_get(user=self.request.user, incident_id=self.kwargs["pk"])
        if roles is not None:
            membership_require_role(
                user=self.request.user, workspace=incident.workspace, roles=roles
            )
        return incident

    def _out(self, incident: Incident, status: int = 200) -> Response:
        fresh = selectors.incident_get(user=self.request.user, incident_id=incident.pk)
        return Response(s.IncidentOutputSerializer(fresh).data, status=status)

    @extend_schema(request=s.IncidentCreateSerializer, responses=s.IncidentOutputSerializer)
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = _valid(s.IncidentCreateSerializer, request.data)
        workspace = workspace_for_write(user=request.user, slug=data["workspace"], roles=RUN_ROLES)
        incident = services.incident_create(
            workspace=workspace,
            by=request.user,
            new=services.IncidentNew(
                title=data["title"], severity=data["severity"], scenario=data["scenario"],
                language=data["language"], platforms=data["platforms"],
            ),
        )  # fmt: skip
        return self._out(incident, status=201)

    @extend_schema(request=s.IncidentUpdateSerializer, responses=s.IncidentOutputSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.IncidentUpdateSerializer, request.data)
        services.incident_update(incident=incident, by=request.user, **data)
        return self._out(incident)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=s.TransitionSerializer, responses=s.IncidentOutputSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.TransitionSerializer, request.data)
        with transaction.atomic():
            moved = services.incident_transition(
                incident=incident, to=data["status"], by=request.user
            )
            escalation_runs_follow_incident(incident=moved, now=timezone.now())
        return self._out(moved)

    @extend_schema(request=s.PlaybookApplySerializer, responses=s.IncidentOutputSerializer)
    @action(detail=True, methods=["post"])
    def playbook(self, request: Request, pk: str) -> Response:
        """Start a scenario playbook on an incident opened without one (e.g. by triage)."""
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.PlaybookApplySerializer, request.data)
        services.incident_playbook_apply(
            incident=incident, by=request.user, scenario=data["scenario"], language=data["language"]
        )
        return self._out(incident)

    @extend_schema(request=s.CommanderSerializer, responses=s.IncidentOutputSerializer)
    @action(detail=True, methods=["post"])
    def commander(self, request: Request, pk: str) -> Response:
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.CommanderSerializer, request.data)
        services.incident_commander_set(
            incident=incident, by=request.user, commander_id=data["user_id"]
        )
        return self._out(incident)

    @extend_schema(request=s.MentionIdsSerializer, responses=s.MentionBriefSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def mentions(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            incident = self._incident()
            rows = selectors.incident_mention_list(incident=incident)
            return Response(s.MentionBriefSerializer(rows, many=True).data)
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.MentionIdsSerializer, request.data)
        new = services.incident_mentions_attach(
            incident=incident, by=request.user, mention_ids=data["mention_ids"]
        )
        return Response({"attached": new}, status=200)

    @extend_schema(request=s.MentionIdsSerializer)
    @action(detail=True, methods=["post"], url_path="mentions/detach")
    def mentions_detach(self, request: Request, pk: str) -> Response:
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.MentionIdsSerializer, request.data)
        ids = services.incident_mentions_detach(
            incident=incident, by=request.user, mention_ids=data["mention_ids"]
        )
        return Response({"detached": ids})

    @extend_schema(request=s.NoteSerializer, responses=s.EventOutputSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        incident = self._incident(roles=FACT_ROLES)
        data = _valid(s.NoteSerializer, request.data)
        event = services.incident_note_add(incident=incident, by=request.user, text=data["text"])
        return Response(s.EventOutputSerializer(event).data, status=201)

    @extend_schema(request=s.ResponseSerializer, responses=s.IncidentOutputSerializer)
    @action(detail=True, methods=["post"])
    def response(self, request: Request, pk: str) -> Response:
        incident = self._incident(roles=RUN_ROLES)
        data = _valid(s.ResponseSerializer, request.data)
        services.incident_response_record(
            incident=incident, by=request.user, url=data["url"], at=data.get("at"),
            correct=data["correct"],
        )  # fmt: skip
        return self._out(incident)

    @extend_schema(responses=s.EventOutputSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str) -> Response:
        incident = self._incident()
        page = self.paginate_queryset(selectors.incident_timeline(incident=incident))
        return self.get_paginated_response(s.EventOutputSerializer(page, many=True).data)

    @extend_schema(request=s.ClaimInputSerializer, responses=s.ClaimOutputSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def claims(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            rows = selectors.incident_claim_list(incident=self._incident())
            return Response(s.ClaimOutputSerializer(rows, many=True).data)
        incident = self._incident(roles=FACT_ROLES)
        data = _valid(s.ClaimInputSerializer, request.data)
        claim = services.claim_create(incident=incident, by=request.user, **data)
        return Response(s.ClaimOutputSerializer(claim).data, status=201)

    @extend_schema(request=s.ClaimUpdateSerializer, responses=s.ClaimOutputSerializer)
    @action(detail=True, methods=["patch"], url_path=r"claims/(?P<claim_id>[0-9]+)")
    def claim(self, request: Request, pk: str, claim_id: str) -> Response:
        incident = self._incident(roles=FACT_ROLES)
        claim = selectors.incident_claim_list(incident=incident).filter(pk=claim_id).first()
        if claim is None:
            raise IncidentNotFound(_("Claim not found."))
        data = _valid(s.ClaimUpdateSerializer, request.data)
        claim = services.claim_update(claim=claim, by=request.user, **data)
        return Response(s.ClaimOutputSerializer(claim).data)

    @extend_schema(responses=s.TaskOutputSerializer(many=True))
    @action(detail=True, methods=["get"])
    def tasks(self, request: Request, pk: str) -> Response:
        incident = self._incident()
        rows = selectors.incident_task_list(incident=incident)
        context = {"now": selectors.incident_overdue_now(incident=incident)}
        return Response(s.TaskOutputSerializer(rows, many=True, context=context).data)

    def _task(self, task_id: str):
        incident = self._incident(roles=RUN_ROLES)
        task = selectors.incident_task_list(incident=incident).filter(pk=task_id).first()
        if task is None:
            raise IncidentNotFound(_("Task not found."))
        return task

    def _task_out(self, task) -> Response:
        now = selectors.incident_overdue_now(incident=task.incident)
        return Response(s.TaskOutputSerializer(task, context={"now": now}).data)

    @extend_schema(request=s.TaskUpdateSerializer, responses=s.TaskOutputSerializer)
    @action(detail=True, methods=["patch"], url_path=r"tasks/(?P<task_id>[0-9]+)")
    def task(self, request: Request, pk: str, task_id: str) -> Response:
        task = self._task(task_id)
        data = _valid(s.TaskUpdateSerializer, request.data)
        task = services.incident_task_update(
            task=task,
            by=request.user,
            assign="assignee_id" in data,
            assignee_id=data.get("assignee_id"),
            checklist_done=data.get("checklist"),
        )
        return self._task_out(task)

    @extend_schema(request=None, responses=s.TaskOutputSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/complete")
    def task_complete(self, request: Request, pk: str, task_id: str) -> Response:
        task = services.incident_task_complete(task=self._task(task_id), by=request.user)
        return self._task_out(task)

    @extend_schema(request=s.EvaluationInputSerializer)
    @action(
        detail=True, methods=["get", "put"],
        renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, MarkdownRenderer],
        http_method_names=["get", "put", "head", "options"],  # the viewset has no PUT
    )  # fmt: skip
    def evaluation(self, request: Request, pk: str) -> Response:
        """The post-incident evaluation with its computed numbers (every member); PUT writes
        it (crisis team, admins) while the incident is resolved. `?format=md`: the report."""
        if request.method == "PUT":
            incident = self._incident(roles=RUN_ROLES)  # the role first, then the payload
            data = _valid(s.EvaluationInputSerializer, request.data)
            services.incident_evaluation_save(
                incident=incident, by=request.user, data=_evaluation(data)
            )
        incident = self._incident()
        evaluation = selectors.incident_evaluation_get(incident=incident)
        numbers = selectors.incident_evaluation_numbers(incident=incident)
        if request.accepted_renderer.format == MarkdownRenderer.format:
            text = evaluation_markdown(incident=incident, evaluation=evaluation, numbers=numbers)
            name = f"incident-{incident.pk}-evaluation.md"
            return Response(text, headers={"Content-Disposition": f'attachment; filename="{name}"'})
        role = membership_role_get(user=request.user, workspace=incident.workspace)
        return Response(
            {
                "incident_id": incident.pk,
                "status": incident.status,
                "can_edit": selectors.incident_evaluation_editable(incident=incident, role=role),
                "evaluation": s.EvaluationOutputSerializer(evaluation).data if evaluation else None,
                "numbers": numbers,
                "numbers_text": [
                    {"label": label, "value": value} for label, value in numbers_in_words(numbers)
                ],
            }
        )


def _evaluation(data: dict) -> services.EvaluationInput:
    return services.EvaluationInput(
        summary=data["summary"],
        went_well=data.get("went_well", ""),
        to_improve=data.get("to_improve", ""),
        action_items=[
            services.ActionItemInput(
                text=item["text"],
                owner_id=item.get("owner_id"),
                owner_name=item.get("owner_name", ""),
                due_on=item.get("due_on"),
                is_done=item["done"],
            )
            for item in data["action_items"]
        ],
    )


class ResponseClockPolicyApi(APIView):
    """GET /api/response-clock/?workspace=<slug>: minutes per severity (members);
    POST {"workspace", "minutes": {"1": 60, ...}} (admins)."""

    @extend_schema(parameters=[WorkspaceFilterSerializer], responses=s.ResponseClockSerializer)
    def get(self, request: Request) -> Response:
        slug = workspace_param(request)
        if not slug:
            raise serializers.ValidationError({"workspace": _("Give a workspace.")})
        workspace = workspace_get_for_user(user=request.user, slug=slug)
        return Response(
            {
                "workspace": slug,
                "minutes": selectors.response_clock_policy_list(workspace_id=workspace.pk),
            }
        )

    @extend_schema(request=s.ResponseClockSerializer, responses=s.ResponseClockSerializer)
    def post(self, request: Request) -> Response:
        data = _valid(s.ResponseClockSerializer, request.data)
        workspace = workspace_for_write(user=request.user, slug=data["workspace"])
        try:
            minutes = {int(k): v for k, v in data.get("minutes", {}).items()}
        except ValueError as exc:
            raise serializers.ValidationError(
                {"minutes": _("Keys must be severities 1 to 4.")}
            ) from exc
        result = services.response_clock_policy_set(workspace_id=workspace.pk, minutes=minutes)
        return Response({"workspace": workspace.slug, "minutes": result})
