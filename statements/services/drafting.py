"""Drafting: create a statement (from a template), edit it (every change a version with a
diff), and analyse a text (counts, thread suggestion, tone warnings, placeholders)."""

import difflib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, IncidentEvent
from incidents.selectors import incident_confirmed_facts
from incidents.services import incident_event_record, incident_lock_open
from realtime import events
from realtime.publisher import publish_on_commit
from statements import counting, facts, placeholders, tone
from statements.exceptions import StatementInvalid, StatementWrongState
from statements.models import (
    Channel,
    Statement,
    StatementAudit,
    StatementTemplate,
    StatementVariant,
    StatementVersion,
)
from statements.selectors import published_texts


def statement_values(*, incident: Incident, values: dict[str, str]) -> dict[str, str]:
    """Placeholder values with `confirmed_facts` taken from the claims board unless given."""
    merged = {k: str(v) for k, v in (values or {}).items() if k in placeholders.PLACEHOLDERS}
    if not merged.get("confirmed_facts", "").strip():
        claims = [f"- {claim.text}" for claim in incident_confirmed_facts(incident=incident)]
        merged["confirmed_facts"] = "\n".join(claims)
    return merged


def statement_final_texts(*, statement: Statement) -> dict[str, str]:
    """Each non-empty variant as it would be published (placeholders filled)."""
    values = statement_values(incident=statement.incident, values=statement.placeholder_values)
    return {
        v.channel: placeholders.render(v.text, values)
        for v in statement.variants.all()
        if v.text.strip()
    }


def statement_require_complete(*, statement: Statement) -> dict[str, str]:
    """The final texts; raises StatementInvalid naming unfilled placeholders or if empty."""
    texts = statement_final_texts(statement=statement)
    if not texts:
        raise StatementInvalid(_("The statement has no text yet."))
    missing = sorted({name for text in texts.values() for name in placeholders.unfilled(text)})
    if missing:
        raise StatementInvalid(
            _("Fill in every placeholder first: %(names)s.") % {"names": ", ".join(missing)},
            {"unfilled_placeholders": missing},
        )
    return {channel: placeholders.finalise(text) for channel, text in texts.items()}


def _check_texts(variants: dict[str, str]) -> None:
    unknown = sorted(
        {n for text in variants.values() for n in placeholders.unknown_placeholders(text)}
    )
    if unknown:
        raise StatementInvalid(
            _("Unknown placeholders: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(placeholders.PLACEHOLDERS)},
            {"unknown_placeholders": unknown},
        )


def _as_lines(title: str, variants: dict[str, str]) -> list[str]:
    lines = [f"# {title}"]
    for channel in Channel.values:
        if variants.get(channel, "").strip():
            lines += [f"## {channel}", *variants[channel].splitlines()]
    return lines


def _snapshot(statement: Statement, by: Any) -> StatementVersion:
    variants = {v.channel: v.text for v in statement.variants.all()}
    previous = statement.versions.order_by("-number").first()
    before = _as_lines(previous.title, previous.variants) if previous else []
    diff = "\n".join(
        difflib.unified_diff(
            before,
            _as_lines(statement.title, variants),
            fromfile=f"v{previous.number}" if previous else "empty",
            tofile=f"v{statement.version}",
            lineterm="",
        )
    )
    return StatementVersion.objects.create(
        statement=statement,
        number=statement.version,
        title=statement.title,
        variants=variants,
        diff=diff,
        author=by,
        created_at=timezone.now(),
    )


def statement_audit(
    *, statement: Statement, action: str, actor: Any, detail: dict | None = None
) -> None:
    """Append to the statement's audit trail."""
    StatementAudit.objects.create(
        statement=statement,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=timezone.now(),
        version=statement.version,
        detail=detail or {},
    )


def statement_timeline(
    *, statement: Statement, action: str, actor: Any, summary: str, **data: Any
) -> None:
    """Record a statement step on the incident timeline (kind statement)."""
    incident_event_record(
        incident=statement.incident,
        kind=IncidentEvent.Kind.STATEMENT,
        summary=summary,
        actor=actor,
        data={"action": action, "statement_id": statement.pk, **data},
    )


def statement_publish_event(*, statement: Statement) -> None:
    """Push `statement.updated` to the workspace after commit."""
    statement = Statement.objects.prefetch_related("publications").get(pk=statement.pk)
    publish_on_commit(
        workspace_id=statement.workspace_id, event=events.statement_updated(statement)
    )


def _language(language: str | None, template: StatementTemplate | None) -> str:
    """The statement's language: as given, else the template's; it must match the template
    (a Dutch template does not make an English statement)."""
    if template is not None and language and language != template.language:
        message = _("The statement's language must match its template's (%(language)s).") % {
            "language": template.get_language_display()
        }
        raise StatementInvalid(message, {"language": [message]})
    if language:
        return language
    if template is None:
        message = _("Choose a language for the statement.")
        raise StatementInvalid(message, {"language": [message]})
    return template.language


@transaction.atomic
def statement_create(
    *,
    incident: Incident,
    by: Any,
    title: str,
    language: str | None,
    template: StatementTemplate | None = None,
    placeholder_values: dict[str, str] | None = None,
    variants: dict[str, str] | None = None,
) -> Statement:
    """A draft statement for the incident; variants default to the template text for every
    platform; the language defaults to the template's and must match it (StatementInvalid).
    Writes version 1 and the audit entry; publishes `statement.updated`. IncidentFinal (409)
    on a reviewed incident."""
    incident_lock_open(incident.pk)
    language = _language(language, template)
    base = template.body if template is not None else ""
    texts = variants if variants else {channel: base for channel in Channel.values}
    _check_texts(texts)
    now = timezone.now()
    statement = Statement.objects.create(
        workspace_id=incident.workspace_id,
        incident=incident,
        template=template,
        title=title,
        language=language,
        placeholder_values=placeholder_values or {},
        version=1,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    StatementVariant.objects.bulk_create(
        StatementVariant(statement=statement, channel=channel, text=text)
        for channel, text in texts.items()
    )
    _snapshot(statement, by)
    statement_audit(statement=statement, action=StatementAudit.Action.CREATED, actor=by)
    statement_publish_event(statement=statement)
    return statement


@transaction.atomic
def statement_update(
    *,
    statement: Statement,
    by: Any,
    title: str | None = None,
    placeholder_values: dict[str, str] | None = None,
    variants: dict[str, str] | None = None,
) -> Statement:
    """Edit a statement (not once published). A new version with its diff; editing an
    approved statement sends it back to review, a rejected one back to draft.
    IncidentFinal (409) on a reviewed incident."""
    incident_lock_open(statement.incident_id)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status == Statement.Status.PUBLISHED:
        raise StatementWrongState(_("A published statement cannot be edited; write a new one."))
    if variants:
        _check_texts(variants)
        for channel, text in variants.items():
            StatementVariant.objects.update_or_create(
                statement=statement, channel=channel, defaults={"text": text}
            )
    if title is not None:
        statement.title = title
    if placeholder_values is not None:
        statement.placeholder_values = placeholder_values
    was = statement.status
    if was == Statement.Status.APPROVED:
        statement.status = Statement.Status.IN_REVIEW
        statement.approved_by, statement.approved_at = None, None
    elif was == Statement.Status.REJECTED:
        statement.status = Statement.Status.DRAFT
    statement.version += 1
    statement.updated_at = timezone.now()
    statement.save()
    _snapshot(statement, by)
    statement_audit(statement=statement, action=StatementAudit.Action.EDITED, actor=by)
    if was == Statement.Status.APPROVED:
        statement_audit(statement=statement, action=StatementAudit.Action.RETURNED, actor=by)
    statement_publish_event(statement=statement)
    return statement


def text_analyse(
    *,
    channel: str,
    text: str,
    values: dict[str, str],
    statement: Statement | None,
    incident: Incident,
) -> dict[str, Any]:
    """Counts, limit, thread suggestion, tone warnings and contradictions for one text:
    against what the incident already published and against the statement's other
    platform variants (channels must not contradict each other)."""
    merged = statement_values(incident=incident, values=values)
    rendered = placeholders.render(text, merged)
    filled = placeholders.finalise(rendered)
    warnings = tone.tone_check(filled)
    others = published_texts(
        incident_id=incident.pk, exclude_id=statement.pk if statement is not None else None
    )
    if statement is not None:
        labels = dict(Channel.choices)
        others += [
            (str(labels[v.channel]), placeholders.finalise(placeholders.render(v.text, merged)))
            for v in statement.variants.all()
            if v.channel != channel and v.text.strip()
        ]
    warnings += facts.contradictions(filled, others)
    return {
        "channel": channel,
        "text": filled,
        "count": counting.count(channel, filled).as_dict(),
        "thread": counting.thread_split(channel, filled) if channel in counting.THREADABLE else [],
        "warnings": [w.as_dict() for w in warnings],
        "unfilled_placeholders": placeholders.unfilled(rendered),
        "unknown_placeholders": placeholders.unknown_placeholders(text),
    }
