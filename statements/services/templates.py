"""The template library: create, change, delete, and the starter set."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from playbooks.services import playbooks_install_defaults
from statements.exceptions import StatementInvalid
from statements.models import StatementTemplate
from statements.placeholders import PLACEHOLDERS, unknown_placeholders
from statements.starter_templates import STARTERS
from workspaces.models import Workspace


def _check_body(body: str) -> None:
    unknown = unknown_placeholders(body)
    if unknown:
        raise StatementInvalid(
            _("Unknown placeholders: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)},
            {"unknown_placeholders": unknown},
        )


def statement_template_save(
    *,
    workspace: Workspace,
    by: Any,
    values: dict[str, Any],
    template: StatementTemplate | None = None,
) -> StatementTemplate:
    """Create (template=None) or update a template. Raises StatementInvalid on an unknown
    placeholder or a duplicate title for the scenario and language."""
    _check_body(values.get("body", template.body if template else ""))
    template = template or StatementTemplate(workspace=workspace, created_by=by)
    for name in ("scenario", "language", "title", "body"):
        if name in values:
            setattr(template, name, values[name])
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise StatementInvalid(
            _("A template with this title already exists for this scenario and language.")
        ) from exc
    return template


def statement_template_delete(*, template: StatementTemplate) -> None:
    """Delete a template (statements made from it keep their text)."""
    template.delete()


def statement_templates_install_starters(*, workspace: Workspace) -> int:
    """Install the starter templates (four scenarios, NL and EN) that the workspace lacks.
    Idempotent: an existing title is left as it is. Called when a workspace is created
    (`workspace_content_install`), never from a page view. Returns how many were created."""
    existing = set(
        StatementTemplate.objects.filter(workspace=workspace).values_list(
            "scenario", "language", "title"
        )
    )
    new = [
        StatementTemplate(workspace=workspace, is_starter=True, **starter)
        for starter in STARTERS
        if (starter["scenario"], starter["language"], starter["title"]) not in existing
    ]
    StatementTemplate.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def workspace_content_install(*, workspace: Workspace) -> None:
    """The shipped content a new workspace starts with: the default playbooks and the starter
    templates (idempotent). Every place that creates a workspace calls this one function."""
    playbooks_install_defaults(workspace=workspace)
    statement_templates_install_starters(workspace=workspace)
