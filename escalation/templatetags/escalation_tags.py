"""Template filters for escalation pages."""

from django import template

from escalation.messages import ack_via_text

register = template.Library()


@register.filter
def ack_via(via: str) -> str:
    """How an escalation was acknowledged, in words ("email link" -> "the link in the message
    (E-mail)")."""
    return ack_via_text(via)
