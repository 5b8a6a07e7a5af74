"""REST API: /api/statement-templates/, /api/statements/ (transitions as actions) and
/api/publishing-accounts/. Members read; communications and admins write; admins manage
publishing accounts. Every lookup goes through a workspace-scoped selector (404 elsewhere)."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from statements import selectors
from statements.api import serializers as s
from statements.exceptions import StatementReauthLocked
from statements.models import Statement, StatementTemplate
from statements.services import approval, drafting, publishing, reauth, templates
from workspaces.api_permissions import (
    WorkspaceFilterSerializer,
    workspace_for_write,
    workspace_param,
)
from workspaces.models import Membership
from workspaces.selectors import membership_require_role

WRITE_ROLES = (Membership.Role.COMMUNICATIONS, Membership.Role.ADMIN)
ADMIN_ROLES = (Membership.Role.ADMIN,)
REAUTH_SESSION_KEY = "statements_reauth_at"


def reauth_store(request: Request) -> datetime:
    """Remember in the session that the user just re-entered their password."""
    now = timezone.now()
    request.session[REAUTH_SESSION_KEY] = now.isoformat()
    return now


def reauth_check_password(request: Request, password: str) -> datetime:
    """Check the password (403 if wrong, 429 while locked out) and store the time."""
    reauth.reauth_password_verify(user=request.user, password=password)
    return reauth_store(request)


def reauth_get(request: Request) -> datetime | None:
    value = request.session.get(REAUTH_SESSION_KEY)
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@extend_schema(parameters=[WorkspaceFilterSerializer])
class StatementTemplateViewSet(viewsets.ModelViewSet):
    """Template library: members read; communications and admins write."""

    serializer_class = s.TemplateOutputSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.statement_template_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )

    @extend_schema(request=s.TemplateInputSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.TemplateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(
            user=request.user, slug=values.pop("workspace"), roles=WRITE_ROLES
        )
        template = templates.statement_template_save(
            workspace=workspace, by=request.user, values=values
        )
        return Response(s.TemplateOutputSerializer(template).data, status=201)

    @extend_schema(request=s.TemplateUpdateSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template: StatementTemplate = self.get_object()
        workspace_for_write(user=request.user, slug=template.workspace.slug, roles=WRITE_ROLES)
        data = s.TemplateUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = templates.statement_template_save(
            workspace=template.workspace, by=request.user, values=data.validated_data,
            template=template,
        )  # fmt: skip
        return Response(s.TemplateOutputSerializer(template).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        workspace_for_write(user=request.user, slug=template.workspace.slug, roles=WRITE_ROLES)
        templates.statement_template_delete(template=template)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatementFilterSerializer(WorkspaceFilterSerializer):
    """`?workspace=&incident=&status=` for the statement list (400 on bad values)."""

    incident = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=Statement.Status.choices, required=False)


@extend_schema(parameters=[StatementFilterSerializer])
class StatementViewSet(viewsets.ModelViewSet):
    """Statements with their variants; the approval steps are actions."""

    serializer_class = s.StatementOutputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action != "list":
            return selectors.statement_list(user=self.request.user)
        params = StatementFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.statement_list(
            user=self.request.user,
            workspace=params.validated_data.get("workspace"),
            incident_id=params.validated_data.get("incident"),
            status=params.validated_data.get("status"),
        )

    def get_object(self):
        return selectors.statement_get(user=self.request.user, statement_id=int(self.kwargs["pk"]))

    def _writable(self, roles: tuple[str, ...] = WRITE_ROLES):
        statement = self.get_object()
        membership_require_role(user=self.request.user, workspace=statement.workspace, roles=roles)
        return statement

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StatementReauthLocked):  # 429 with Retry-After, as HTTP wants it
            return Response(
                {"detail": exc.message, **exc.extra},
                status=exc.status_code,
                headers={"Retry-After": str(exc.extra["retry_after"])},
            )
        return super().handle_exception(exc)

    def _out(self, statement, code: int = 200) -> Response:
        statement = selectors.statement_get(user=self.request.user, statement_id=statement.pk)
        return Response(s.StatementOutputSerializer(statement).data, status=code)

    @extend_schema(request=s.StatementInputSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.StatementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = selectors.incident_get_for_statements(
            user=request.user, incident_id=values["incident"]
        )
        membership_require_role(user=request.user, workspace=incident.workspace, roles=WRITE_ROLES)
        template = None
        if values.get("template"):
            template = (
                selectors.statement_template_list(user=request.user)
                .filter(pk=values["template"], workspace=incident.workspace)
                .first()
            )
            if template is None:
                return Response({"template": [_("Template not found.")]}, status=400)
        statement = drafting.statement_create(
            incident=incident,
            by=request.user,
            title=values["title"],
            language=values.get("language"),
            template=template,
            placeholder_values=values.get("placeholder_values"),
            variants=values.get("variants"),
        )
        return self._out(statement, 201)

    @extend_schema(request=s.StatementUpdateSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        statement = self._writable()
        data = s.StatementUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = drafting.statement_update(
            statement=statement, by=request.user, **data.validated_data
        )
        return self._out(statement)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        statement = approval.statement_submit(statement=self._writable(), by=request.user)
        return self._out(statement)

    @extend_schema(request=s.ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        statement = self._writable()
        data = s.ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password = data.validated_data.get("password")
        at = reauth_check_password(request, password) if password else reauth_get(request)
        statement = approval.statement_approve(
            statement=statement, approver=request.user, reauthenticated_at=at
        )
        return self._out(statement)

    @extend_schema(request=s.RejectSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        statement = self._writable()
        data = s.RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = approval.statement_reject(
            statement=statement, by=request.user, reason=data.validated_data["reason"]
        )
        return self._out(statement)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        statement = self._writable()
        publishing.statement_publish(statement=statement, by=request.user)
        return self._out(statement, 202)

    @extend_schema(request=s.MarkPublishedSerializer)
    @action(detail=True, methods=["post"], url_path="mark-published")
    def mark_published(self, request: Request, pk: str) -> Response:
        statement = self._writable()
        data = s.MarkPublishedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        publishing.statement_mark_published(
            statement=statement, by=request.user, **data.validated_data
        )
        return self._out(statement)

    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        statement = selectors.statement_history_load(statement=self.get_object())
        return Response(
            {
                "versions": s.VersionSerializer(statement.versions.all(), many=True).data,
                "audit": s.AuditSerializer(statement.audit.all(), many=True).data,
            }
        )

    @extend_schema(request=s.AnalyseSerializer)
    @action(detail=False, methods=["post"])
    def analyse(self, request: Request) -> Response:
        """Counts, thread suggestion, tone warnings and contradictions for a text."""
        data = s.AnalyseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        statement_id = request.query_params.get("statement")
        statement = None
        if statement_id and statement_id.isdigit():
            statement = selectors.statement_get(user=request.user, statement_id=int(statement_id))
            incident = statement.incident
        elif values.get("incident"):
            incident = selectors.incident_get_for_statements(
                user=request.user, incident_id=values["incident"]
            )
        else:
            return Response({"incident": [_("Give an incident or a statement.")]}, status=400)
        return Response(
            drafting.text_analyse(
                channel=values["channel"],
                text=values["text"],
                values=values.get("placeholder_values") or {},
                statement=statement,
                incident=incident,
            )
        )

    @extend_schema(request=s.PasswordSerializer)
    @action(detail=False, methods=["post"])
    def reauth(self, request: Request) -> Response:
        """Re-enter the password: approving is allowed for the next 10 minutes."""
        data = s.PasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        at = reauth_check_password(request, data.validated_data["password"])
        return Response(
            {
                "reauthenticated_at": at.isoformat(),
                "valid_minutes": int(approval.REAUTH_WINDOW.total_seconds() // 60),
            }
        )

    @extend_schema(parameters=[s.ReactionQuerySerializer])
    @action(detail=False, methods=["get"])
    def reactions(self, request: Request) -> Response:
        """Volume and sentiment of the incident's mentions the hour before/after each
        published statement, and the buckets for the chart."""
        params = s.ReactionQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        incident = selectors.incident_get_for_statements(
            user=request.user, incident_id=params.validated_data["incident"]
        )
        return Response(selectors.statement_reaction_summary(incident=incident))


@extend_schema(parameters=[WorkspaceFilterSerializer])
class PublishingAccountViewSet(viewsets.ModelViewSet):
    """Publishing accounts: members read (never the secrets); admins create and replace."""

    serializer_class = s.AccountOutputSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.publishing_account_list(
            user=self.request.user, workspace=workspace_param(self.request)
        )

    @extend_schema(request=s.AccountInputSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.AccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        workspace = workspace_for_write(
            user=request.user, slug=values.pop("workspace"), roles=ADMIN_ROLES
        )
        account = publishing.publishing_account_save(
            workspace=workspace,
            channel=values["channel"],
            settings=values.get("settings") or {},
            credentials=values["credentials"],
        )
        return Response(s.AccountOutputSerializer(account).data, status=201)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        workspace_for_write(user=request.user, slug=account.workspace.slug, roles=ADMIN_ROLES)
        publishing.publishing_account_delete(account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)
