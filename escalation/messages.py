"""The text of an escalation message, in the protocol's language (NL/EN)."""

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from contacts.models import Channel
from escalation.channels import Message


def message_compose(
    *, title: str, severity: int, workspace: str, tier: int, tiers: int, ack_url: str,
    language: str, escape: Callable[[str], str] | None = None,
) -> Message:  # fmt: skip
    """Subject, body and one-liner with the incident title, severity and acknowledge link.
    `escape` is applied to the untrusted values (title, workspace name) for a channel that
    renders markup in them (Teams: channels.teams_escape); our own text stays as it is."""
    if escape is not None:
        title, workspace = escape(title), escape(workspace)
    with translation.override(language):
        severity_label = _("severity %(level)d") % {"level": severity}
        subject = _("[CrisisCenter] Incident, %(severity)s: %(title)s") % {
            "severity": severity_label,
            # A header must be one line (a newline in a title is a BadHeaderError).
            "title": " ".join(title.split())[:150],
        }
        text = "\n".join(
            [
                _("Incident: %(title)s") % {"title": title},
                _("Severity: %(level)d of 4") % {"level": severity},
                _("Workspace: %(name)s") % {"name": workspace},
                _("Escalation tier %(tier)d of %(tiers)d.") % {"tier": tier, "tiers": tiers},
                "",
                _("Acknowledge (one click, then confirm): %(url)s") % {"url": ack_url},
            ]
        )
        short = _("CrisisCenter: %(title)s (%(severity)s). Acknowledge: %(url)s") % {
            "title": title[:80],
            "severity": severity_label,
            "url": ack_url,
        }
        return Message(
            subject=subject, text=text, short=short, ack_url=ack_url, title=title,
            severity_label=severity_label,
        )  # fmt: skip


def ack_label(language: str) -> str:
    with translation.override(language):
        return _("Acknowledge")


def ack_via_text(via: str) -> str:
    """How an acknowledgement came in, for people in the active language: "the app", or
    "the link in the message (E-mail)" for a stored "email link"."""
    if via == "app":
        return _("the app")
    channel = via.removesuffix(" link")
    if channel in Channel.values:
        return _("the link in the message (%(channel)s)") % {"channel": Channel(channel).label}
    return via
