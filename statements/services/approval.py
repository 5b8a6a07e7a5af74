"""Four-eyes approval: draft → in_review → approved (or rejected with a reason).

The approver must hold the communications or admin role, must not have written any version
of the statement, and must have re-entered their password in the last 10 minutes.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.services import incident_lock_open
from statements.exceptions import (
    StatementInvalid,
    StatementNotAllowed,
    StatementReauthRequired,
    StatementWrongState,
)
from statements.models import Statement, StatementAudit
from statements.selectors import statement_self_approval_refusal
from statements.services.drafting import (
    statement_audit,
    statement_publish_event,
    statement_require_complete,
    statement_timeline,
)

REAUTH_WINDOW = timedelta(minutes=10)


def _locked(statement: Statement, allowed: tuple[str, ...]) -> Statement:
    incident_lock_open(statement.incident_id)  # IncidentFinal (409) once reviewed
    statement = (
        Statement.objects.select_for_update().select_related("incident").get(pk=statement.pk)
    )
    if statement.status not in allowed:
        raise StatementWrongState(
            _("This step does not apply to a statement that is %(status)s.")
            % {"status": statement.get_status_display().lower()},
            {"status": statement.status},
        )
    return statement


@transaction.atomic
def statement_submit(*, statement: Statement, by: Any) -> Statement:
    """Send a draft for review. Raises StatementInvalid on unfilled placeholders or no text;
    records `submitted` on the incident timeline."""
    statement = _locked(statement, (Statement.Status.DRAFT,))
    statement_require_complete(statement=statement)
    statement.status = Statement.Status.IN_REVIEW
    statement.rejection_reason = ""
    statement.updated_at = timezone.now()
    statement.save(update_fields=["status", "rejection_reason", "updated_at"])
    statement_audit(statement=statement, action=StatementAudit.Action.SUBMITTED, actor=by)
    statement_timeline(
        statement=statement,
        action="submitted",
        actor=by,
        summary=_("Statement “%(title)s” submitted for review") % {"title": statement.title},
    )
    statement_publish_event(statement=statement)
    return statement


@transaction.atomic
def statement_approve(
    *, statement: Statement, approver: Any, reauthenticated_at: datetime | None
) -> Statement:
    """Approve a statement in review and freeze its final texts.

    Raises StatementNotAllowed if the approver wrote any version (four eyes),
    StatementReauthRequired if the password was not re-entered in the last 10 minutes,
    StatementInvalid on unfilled placeholders. Records `approved` on the timeline.
    """
    statement = _locked(statement, (Statement.Status.IN_REVIEW,))
    if refusal := statement_self_approval_refusal(statement=statement, user=approver):
        raise StatementNotAllowed(refusal, {"code": "self_approval"})
    now = timezone.now()
    if reauthenticated_at is None or now - reauthenticated_at > REAUTH_WINDOW:
        raise StatementReauthRequired(
            _("Enter your password again to approve (required within the last 10 minutes)."),
            {"code": "reauth_required"},
        )
    statement.approved_texts = statement_require_complete(statement=statement)
    statement.status = Statement.Status.APPROVED
    statement.approved_by, statement.approved_at, statement.updated_at = approver, now, now
    statement.save(
        update_fields=["approved_texts", "status", "approved_by", "approved_at", "updated_at"]
    )
    statement_audit(statement=statement, action=StatementAudit.Action.APPROVED, actor=approver)
    statement_timeline(
        statement=statement,
        action="approved",
        actor=approver,
        summary=_("Statement “%(title)s” approved") % {"title": statement.title},
    )
    statement_publish_event(statement=statement)
    return statement


@transaction.atomic
def statement_reject(*, statement: Statement, by: Any, reason: str) -> Statement:
    """Reject a statement in review (or approved, not yet published) with a reason."""
    if not reason.strip():
        raise StatementInvalid(_("Give a reason for rejecting."), {"reason": ["required"]})
    statement = _locked(statement, (Statement.Status.IN_REVIEW, Statement.Status.APPROVED))
    statement.status = Statement.Status.REJECTED
    statement.rejection_reason = reason.strip()
    statement.approved_by, statement.approved_at = None, None
    statement.updated_at = timezone.now()
    statement.save()
    statement_audit(
        statement=statement,
        action=StatementAudit.Action.REJECTED,
        actor=by,
        detail={"reason": statement.rejection_reason},
    )
    statement_timeline(
        statement=statement,
        action="rejected",
        actor=by,
        summary=_("Statement “%(title)s” rejected: %(reason)s")
        % {"title": statement.title, "reason": statement.rejection_reason},
    )
    statement_publish_event(statement=statement)
    return statement
