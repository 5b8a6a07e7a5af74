"""The evaluation's numbers in words and the Markdown report (`?format=md`). User text is
escaped so that it cannot turn into Markdown links, HTML, code or headings."""

import re
from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer

from incidents.models import Incident, IncidentEvaluation
from incidents.templatetags.incidents_tags import short_datetime

# Every character that starts Markdown or HTML syntax inline; block markers at the start of
# a line are handled below (a line is never indented: indentation would make code).
_INLINE = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")


def md_escape(text: str, *, inline: bool = True) -> str:
    """`text` as literal Markdown text; `inline` joins its lines into one."""
    lines = []
    for line in str(text).splitlines():
        line = _INLINE.sub(r"\\\1", line.strip())
        lines.append(_LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], line))
    if inline:
        return " ".join(line for line in lines if line)
    return "\n".join(lines).strip()


def duration_text(seconds: int | None) -> str:
    """A duration in its two largest units ("1 h 5 min", "3 d 2 h", "40 s"), "—" when
    unknown."""
    if seconds is None:
        return "—"
    sign, rest = ("-" if seconds < 0 else ""), abs(seconds)
    units = [
        (86400, _("%(n)d d")),
        (3600, _("%(n)d h")),
        (60, _("%(n)d min")),
        (1, _("%(n)d s")),
    ]
    parts: list[str] = []
    for index, (size, label) in enumerate(units):
        if rest >= size or size == 1:
            parts.append(label % {"n": rest // size})
            if index + 1 < len(units):  # and the next unit, if any of it is left
                next_size, next_label = units[index + 1]
                if rest % size >= next_size:
                    parts.append(next_label % {"n": rest % size // next_size})
            break
    return sign + " ".join(parts)


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


def when_text(at: datetime | None) -> str:
    return short_datetime(at) if at else "—"  # as the incident page shows times


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def numbers_in_words(numbers: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of the evaluation's numbers, in the reader's language."""
    n = numbers
    escalations = _("%(count)d, %(acknowledged)d acknowledged") % {
        "count": n["escalations"],
        "acknowledged": n["escalations_acknowledged"],
    }
    return [
        (_("Time to detect"), duration_text(n["time_to_detect"])),
        (_("Time to triage"), duration_text(n["time_to_triage"])),
        (_("Time to first public reaction"), duration_text(n["time_to_first_reaction"])),
        (_("Response clock breached"), yes_no(n["response_clock_breached"])),
        (_("Time to resolve"), duration_text(n["time_to_resolve"])),
        (_("Mentions"), str(n["mentions"])),
        (_("Unique authors"), str(n["unique_authors"])),
        (_("Follower reach"), str(n["follower_reach"])),
        (_("Peak mentions per hour"), str(n["peak_mentions_per_hour"])),
        (_("Negative before the first public reaction"),
         share_text(n["negative_share_before_reaction"])),
        (_("Negative after the first public reaction"),
         share_text(n["negative_share_after_reaction"])),
        (_("Statements published"), str(n["statements_published"])),
        (_("First statement published"), when_text(n["first_statement_at"])),
        (_("Escalations"), escalations),
        (_("Time to acknowledge"), duration_text(n["time_to_acknowledge"])),
        (_("Tasks done"), f"{n['tasks_done']}/{n['tasks_total']}"),
        (_("Tasks overdue at close"), "—" if n["tasks_overdue_at_close"] is None
         else str(n["tasks_overdue_at_close"])),
    ]  # fmt: skip


def _owner(item) -> str:
    if item.owner is not None:
        return item.owner.get_full_name() or item.owner.get_username()
    return item.owner_name


def evaluation_markdown(
    *, incident: Incident, evaluation: IncidentEvaluation | None, numbers: dict
) -> str:
    """The evaluation report: title, numbers, the evaluation and the key timeline events."""
    out = [f"# {_('Evaluation')}: {md_escape(incident.title)}", ""]
    out += [f"{_('Status')}: {incident.get_status_display()}", "", f"## {_('Numbers')}", ""]
    out += [f"- {label}: {md_escape(value)}" for label, value in numbers_in_words(numbers)]
    sections = [
        (_("Summary"), evaluation.summary if evaluation else ""),
        (_("What went well"), evaluation.went_well if evaluation else ""),
        (_("What to improve"), evaluation.to_improve if evaluation else ""),
    ]
    for title, text in sections:
        out += ["", f"## {title}", "", md_escape(text, inline=False) or "—"]
    out += ["", f"## {_('Action items')}", ""]
    items = list(evaluation.action_items.all()) if evaluation else []
    for item in items:
        details = [md_escape(_owner(item))] if _owner(item) else []
        if item.due_on:
            details.append(_("due %(date)s") % {"date": formats.date_format(item.due_on)})
        line = f"- [{'x' if item.is_done else ' '}] {md_escape(item.text)}"
        out.append(line + (f" ({', '.join(details)})" if details else ""))
    if not items:
        out.append("—")
    out += ["", f"## {_('Key events')}", ""]
    out += [f"- {when_text(e['at'])}: {md_escape(e['summary'])}" for e in numbers["key_events"]]
    if evaluation is not None:
        by = evaluation.updated_by
        name = (by.get_full_name() or by.get_username()) if by else "—"
        out += ["", _("Last edited by %(name)s, %(at)s")
                % {"name": md_escape(name), "at": when_text(evaluation.updated_at)}]  # fmt: skip
    return "\n".join(out) + "\n"


class MarkdownRenderer(BaseRenderer):
    """text/markdown for `?format=md`; errors (a dict) come out as their message."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict):
            data = str(data.get("detail", data))
        return str(data).encode(self.charset)
